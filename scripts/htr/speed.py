#!/usr/bin/env python3
"""Training throughput (lines/s, forward + backward + optimiser step) of kraken VGSL nets on CPU.

    python scripts/htr/speed.py LINES_DIR [--steps 6] [--json OUT.json]

Real line images (``*.png`` + ``.gt.txt``, e.g. the set built by ``build_dataset.py``) are scaled
to each net's input height and fed in batches; every configuration runs a fixed number of steps
(after one warm-up step), so the work is bounded by steps, not by time.  Prints a Markdown table
(spec, height, batch, threads, lines/s); the numbers are relative to the machine's load at the time.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from digitizer.engines.kraken.tvcompat import ensure_torchvision  # noqa: E402

SMALL = "[1,{h},0,1 Cr3,3,32 Mp2,2 Cr3,3,64 Mp2,2 S1(1x0)1,3 Lbx128 Do0.1,2 Lbx128 Do]"
MEDIUM = "[1,{h},0,1 Cr3,3,32 Do0.1,2 Mp2,2 Cr3,3,64 Do0.1,2 Mp2,2 Cr3,3,96 Mp2,1 S1(1x0)1,3 Lbx192 Do0.1,2 Lbx192 Do]"
LARGE = ("[1,{h},0,1 Cr3,13,32 Do0.1,2 Mp2,2 Cr3,13,32 Do0.1,2 Mp2,2 Cr3,9,64 Do0.1,2 Mp2,2 Cr3,9,64 Do0.1,2 "
         "S1(1x0)1,3 Lbx200 Do0.1,2 Lbx200 Do0.1,2 Lbx200 Do]")
SPECS = {"small": SMALL, "medium": MEDIUM, "large (kraken default)": LARGE}
# (spec, height, batch, threads)
GRID = [("small", 48, 1, 1), ("small", 48, 4, 1), ("small", 48, 8, 1), ("small", 48, 16, 1),
        ("small", 32, 8, 1), ("small", 64, 8, 1), ("small", 48, 8, 2),
        ("medium", 48, 8, 1), ("medium", 64, 8, 1), ("large (kraken default)", 120, 8, 1),
        ("small", 48, 1, 2), ("medium", 48, 1, 1), ("medium", 48, 1, 2)]


def load_lines(folder: Path, n: int, seed: int = 1) -> list[tuple[object, str]]:
    from PIL import Image

    pngs = sorted(folder.glob("*.png"))
    random.Random(seed).shuffle(pngs)
    out = []
    for p in pngs[:n]:
        gt = p.with_name(p.name[:-4] + ".gt.txt")
        if gt.is_file():
            out.append((Image.open(p).convert("L"), gt.read_text(encoding="utf-8").strip()))
    return out


def batches(lines, height: int, batch: int, alphabet: dict[str, int]):
    import numpy as np
    import torch

    for i in range(0, len(lines) - batch + 1, batch):
        chunk = lines[i:i + batch]
        ims = [im.resize((max(8, round(im.width * height / im.height)), height)) for im, _ in chunk]
        w = max(im.width for im in ims)
        x = torch.zeros(len(ims), 1, height, w)
        for j, im in enumerate(ims):
            x[j, 0, :, :im.width] = torch.from_numpy(1.0 - np.asarray(im, dtype="float32") / 255.0)
        targets = [torch.tensor([alphabet.get(c, 1) for c in t] or [1]) for _, t in chunk]
        yield x, torch.tensor([im.width for im in ims]), targets


def measure(spec: str, height: int, batch: int, threads: int, lines, steps: int, bf16: bool = False) -> float:
    import contextlib

    import torch
    from kraken.models import create_model

    torch.set_num_threads(threads)
    alphabet = {c: i + 1 for i, c in enumerate(sorted({c for _, t in lines for c in t}))}
    vgsl = spec.format(h=height)
    net = create_model("TorchVGSLModel", model_type=["recognition"], vgsl=f"[{vgsl[1:-1]} O1c{len(alphabet) + 1}]")
    net.init_weights()
    net.train()
    opt = torch.optim.Adam(net.nn.parameters(), lr=1e-4)
    done, t0, seen = 0, 0.0, 0
    for x, seq_lens, targets in batches(lines, height, batch, alphabet):
        if done == 1:                                   # first step is a warm-up
            t0, seen = time.perf_counter(), 0
        amp = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
        with amp:
            out, olens = net.nn(x, seq_lens)
        logp = out.float().squeeze(2).log_softmax(1).permute(2, 0, 1)
        loss = net.criterion(logp, torch.cat(targets), olens, torch.tensor([len(t) for t in targets]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        done += 1
        seen += x.shape[0]
        if done > steps:
            break
    return seen / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lines", type=Path, help="folder of line images + .gt.txt")
    ap.add_argument("--steps", type=int, default=6, help="timed steps per configuration (after 1 warm-up)")
    ap.add_argument("--quick", action="store_true", help="only the first two configurations")
    ap.add_argument("--rows", help="only these rows of the grid, e.g. 5-9 (0-based, inclusive)")
    ap.add_argument("--json", type=Path, help="write the results here too")
    ap.add_argument("--bf16", action="store_true",
                    help="also measure each configuration under bfloat16 autocast (CPUs with AMX/AVX512-BF16)")
    args = ap.parse_args(argv)
    ensure_torchvision()
    grid = GRID[:2] if args.quick else GRID
    if args.rows:
        a, _, b = args.rows.partition("-")
        grid = GRID[int(a):int(b or a) + 1]
    lines = load_lines(args.lines, 16 * (args.steps + 1))
    rows = []
    print("| spec | height | batch | threads | precision | lines/s |\n|---|---|---|---|---|---|")
    for name, h, b, t in grid:
        for bf16 in ((False, True) if args.bf16 else (False,)):
            lps = measure(SPECS[name], h, b, t, lines, args.steps, bf16=bf16)
            prec = "bf16" if bf16 else "fp32"
            rows.append({"spec": name, "height": h, "batch": b, "threads": t, "precision": prec,
                         "lines_per_s": round(lps, 2)})
            print(f"| {name} | {h} | {b} | {t} | {prec} | {lps:.2f} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
