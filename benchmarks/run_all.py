"""Run every benchmark one after the other (``make bench``), each printing its own table.

    .venv/bin/python benchmarks/run_all.py [--quick] [--only NAME,...] [--corpus DIR]
    make bench ARGS="--quick --corpus DIR"

``--corpus`` (else ``$DIGITIZER_CORPUS``) is the dev corpus every benchmark reads; without it the
benchmarks fall back to what they can do with ``tests/data`` or say what is missing.  ``--quick``
runs every stage on a small sample; a failing stage is reported and the next one still runs.

Benchmarks measure ratios against a baseline run in the same script (bare tesseract, the deskew
package, the vips CLI, direct pipeline calls, one process vs two), never absolute timings in tests.
On a shared 2-core machine the absolute seconds vary with load; the ratios are what to read.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "ocr": (["bench_ocr.py", "--degraded"], ["bench_ocr.py", "--quick"]),
    "deskew": (["bench_deskew.py"], ["bench_deskew.py", "--quick"]),
    "qc": (["bench_qc.py"], ["bench_qc.py"]),
    "derivatives": (["bench_derivatives.py"], ["bench_derivatives.py", "--repeat", "1", "--no-demo"]),
    "batch": (["bench_batch.py"], ["bench_batch.py", "--quick"]),
    "gui": (["bench_gui.py"], ["bench_gui.py", "--repeats", "2"]),
    "htr": (["bench_htr.py"], ["bench_htr.py", "--quick"]),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHES))
    ap.add_argument("--corpus", help="the dev corpus folder (passed on as $DIGITIZER_CORPUS)")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else list(BENCHES)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    if args.corpus:
        env["DIGITIZER_CORPUS"] = str(Path(args.corpus).resolve())
    failed = []
    for name in names:
        full, quick = BENCHES[name]
        argv = quick if args.quick else full
        if not (HERE / argv[0]).exists():
            print(f"== {name}: {argv[0]} not present, skipped")
            continue
        print(f"\n== {name}: {' '.join(argv)}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(HERE / argv[0]), *argv[1:]], env=env)
        print(f"== {name}: exit {rc} in {time.perf_counter() - t0:.0f} s", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
