#!/usr/bin/env python3
"""Rebuild the HTR training line set from the pinned HTR-United snapshots (see README.md here).

    python scripts/htr/build_dataset.py OUT_DIR GITDIR [GITDIR ...]

Each GITDIR is a bare git directory (mirror/clone) of one source in SOURCES below; the files
are read at the pinned commit with ``git show``, nothing is downloaded.  Lines are cut with the
engine's own ``crop_line`` (what recognition sees), text goes through
``digitizer.htr.normalize.transcription``.  Output: ``OUT_DIR/lines/<id>.png`` + ``.gt.txt`` and
``OUT_DIR/split.tsv`` (id, split, source_page, hand, source, textline_id) with split =
train | validation (the Poilus validation wills: early stopping) | test (other sources' pages kept
out of training, scored per source) | heldout (whole CREMMA-MSS-19 hands, never trained on);
``OUT_DIR/stats.json`` counts per source.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from digitizer.engines.kraken.linecrop import crop_line  # noqa: E402
from digitizer.htr.normalize import VERSION, transcription, usable  # noqa: E402
from digitizer.htr.xmlread import read_xml  # noqa: E402


@dataclass(frozen=True)
class Source:
    repo: str
    commit: str
    short: str
    max_pages: int | None = None      # deterministic subset (hash of the path) of the training pages


SOURCES = [
    Source("HTR-United/CREMMA-AN-TestamentsDePoilus", "8ffa4a8cd40f691d68f188e2ed1c6458bf2d6ec9", "poilus"),
    Source("HTR-United/lectaurep-bronod", "1b4ac12dfb41634538b1e7149dd62fd04d5d6dd8", "bronod", 30),
    Source("HTR-United/lectaurep-repertoires", "3d1c86cf5389265a1ce8b620301d36b4709eb435", "repertoires", 24),
    Source("HTR-United/lectaurep-mariages-et-divorces", "6c4edfb818c0da2390cbeb416ee8d15af8846f11", "mariages"),
    Source("HTR-United/CREMMA-MSS-19", "d8f466de72561cd989f957d75a6743c5d8f0a262", "mss19"),
    Source("HTR-United/CREMMA-MSS-20", "f737d0cb53d28edf1573c5956460bfdd58be6267", "mss20"),
]
# The 8 handwritten dev pages' wills (the team dev corpus, corpus/dev): never used, none of their pages.
DEV_WILLS = {"AD78_0045", "AN_0017", "AN_0154", "AN_0232", "AN_0250", "AD78_0002", "AN_0182", "AN_0225"}
# Pages whose segmentation is broken (baselines drawn backwards, polygons cut words in half).
BROKEN_PAGES = {"data/batch-2/TestamentsDePoilus_will_AD95_0039-2.xml"}
# Validation wills: the same 11 as the validation split of poilus-fr-v1 (writers it never saw).
VAL_WILLS = {"AD78_0003", "AD78_0009", "AD78_0084", "AN_0057", "AN_0060", "AN_0082", "AN_0101", "AN_0121",
             "AN_0248", "AN_0324", "AN_0374"}
# Whole CREMMA-MSS-19 hands (folders) held out of every run, reported separately.
HELDOUT_HANDS = {"manuscrit-zola-misc", "lettre-boudreau-tessier"}
# Test hands/pages of the other sources (never trained on; scored per source, not for early stopping).
VAL_HANDS = {"mss20": {"Lettre_de_ETessier_a_G-VTessier"}, "repertoires": {"lectaurep-random-set-2"}}


def git(gitdir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(gitdir), *args], check=True, capture_output=True).stdout


def holds(gitdir: Path, commit: str) -> bool:
    """True when ``gitdir`` has ``commit``."""
    try:
        git(gitdir, "cat-file", "-e", f"{commit}^{{commit}}")
        return True
    except subprocess.CalledProcessError:
        return False


def read_page(gitdir: Path, commit: str, xml_path: str):
    """The ALTO/PAGE file ``xml_path`` at ``commit``, read by ``digitizer.htr.xmlread.read_xml``."""
    with tempfile.NamedTemporaryFile(suffix=".xml") as tmp:
        tmp.write(git(gitdir, "show", f"{commit}:{xml_path}"))
        tmp.flush()
        return read_xml(tmp.name)


def hand_of(src: Source, path: str) -> str:
    """The writer key: the will for Poilus, else the folder (one hand or one register per folder)."""
    if src.short == "poilus":
        stem = Path(path).stem                       # TestamentsDePoilus_will_AN_0154-0
        return stem.split("_will_", 1)[-1].rsplit("-", 1)[0]
    return _folder(path).name


def _folder(path: str) -> Path:
    """The page folder: the XML's folder, or the one above an ``alto/`` or ``page/`` subfolder."""
    parent = Path(path).parent
    return parent.parent if parent.name in ("alto", "page") else parent


def split_of(src: Source, hand: str, path: str) -> str | None:
    if src.short == "poilus":
        if hand in DEV_WILLS or path in BROKEN_PAGES:
            return None
        return "validation" if hand in VAL_WILLS else "train"
    if src.short == "mss19" and hand in HELDOUT_HANDS:
        return "heldout"
    if hand in VAL_HANDS.get(src.short, ()):
        return "test"
    if src.short == "bronod":                       # one hand: every 10th page (by hash) is a test page
        return "test" if int(hashlib.sha1(path.encode()).hexdigest(), 16) % 10 == 0 else "train"
    return "train"


def pages(src: Source, gitdir: Path) -> list[str]:
    names = git(gitdir, "ls-tree", "-r", "--name-only", "-z", src.commit).decode().split("\0")
    xmls = sorted(n for n in names if n.endswith(".xml") and "/" in n and not n.startswith(".")
                  and Path(n).parent.name != "page")          # bronod has alto/ and page/ copies: ALTO only
    if src.max_pages is not None and len(xmls) > src.max_pages:
        tests = [x for x in xmls if hand_of(src, x) in VAL_HANDS.get(src.short, ())]   # test hands: always all
        rest = sorted((x for x in xmls if x not in tests), key=lambda p: hashlib.sha1(p.encode()).hexdigest())
        xmls = sorted(tests + rest[: src.max_pages])
    return xmls


def page_image_bytes(gitdir: Path, commit: str, xml_path: str, file_name: str, names: set[str]) -> bytes | None:
    """The page image's file at ``commit`` (the XML's ``fileName``, else the XML's stem with an image
    extension, in the page folder); None when the snapshot does not have it."""
    folder = str(_folder(xml_path))
    stem = Path(xml_path).stem
    cands = [f"{folder}/{Path(file_name).name}"] if file_name else []
    cands += [f"{folder}/{stem}{ext}" for ext in (".jpg", ".jpeg", ".png", ".tif", ".tiff")]
    for cand in cands:
        if cand in names:
            try:
                return git(gitdir, "show", f"{commit}:{cand}")
            except subprocess.CalledProcessError:
                return None                          # listed but absent from the snapshot (>= 4 MiB)
    return None


def page_image(gitdir: Path, commit: str, xml_path: str, file_name: str, names: set[str]) -> Image.Image | None:
    data = page_image_bytes(gitdir, commit, xml_path, file_name, names)
    if data is None:
        return None
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("L")                         # once per page, not once per line


def build_source(src: Source, gitdir: Path, out: Path, rows: list[dict], stats: dict) -> None:
    names = set(git(gitdir, "ls-tree", "-r", "--name-only", "-z", src.commit).decode().split("\0"))
    st = stats.setdefault(src.short, Counter())
    n = 0
    for xml_path in pages(src, gitdir):
        hand = hand_of(src, xml_path)
        side = split_of(src, hand, xml_path)
        if side is None:
            st["pages_dev_excluded"] += 1
            continue
        page = read_page(gitdir, src.commit, xml_path)
        im = page_image(gitdir, src.commit, xml_path, page.image_filename, names)
        if im is None:
            print(f"{src.repo}:{xml_path}: page image missing from the snapshot, page skipped", file=sys.stderr)
            st["pages_image_missing"] += 1
            continue
        st["pages"] += 1
        for ln in page.lines:
            text = transcription(ln.text)
            if not usable(text):
                st["lines_skipped_text"] += 1
                continue
            try:
                crop = crop_line(im, ln.polygon, ln.baseline, ln.bbox)
            except ValueError:
                st["lines_skipped_geometry"] += 1
                continue
            n += 1
            lid = f"{src.short}{n:06d}"
            crop.image.save(out / "lines" / f"{lid}.png")
            (out / "lines" / f"{lid}.gt.txt").write_text(text + "\n", encoding="utf-8")
            rows.append({"id": lid, "split": side, "source_page": f"{src.short}:{xml_path}", "hand": hand,
                         "source": src.repo, "textline_id": ln.id})
            st[f"lines_{side}"] += 1
            st[f"chars_{side}"] += len(text)


def _previous(out: Path, keep: list[str]) -> tuple[list[dict], dict[str, Counter]]:
    """Rows and stats of the sources not rebuilt this time (from an earlier run into ``out``)."""
    rows: list[dict] = []
    stats: dict[str, Counter] = {}
    if (out / "split.tsv").is_file():
        with open(out / "split.tsv", encoding="utf-8", newline="") as fh:
            rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["source_page"].split(":", 1)[0] in keep]
    if (out / "stats.json").is_file():
        old = json.loads((out / "stats.json").read_text(encoding="utf-8")).get("stats", {})
        stats = {k: Counter(v) for k, v in old.items() if k in keep}
    return rows, stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="output folder (outside the repository)")
    ap.add_argument("gitdirs", type=Path, nargs="+", help="git directories of the sources (any order)")
    ap.add_argument("--only", action="append",
                    help="(re)build only this source (short name; repeatable); the others' rows are kept")
    ap.add_argument("--max-pages", action="append", default=[], metavar="SOURCE=N",
                    help="training-page subset of a source (N pages by path hash; 'all' for every page); "
                         "the test pages are always kept.  Defaults: the SOURCES table")
    args = ap.parse_args(argv)
    caps = {}
    for item in args.max_pages:
        short, _, n = item.partition("=")
        if short not in {s.short for s in SOURCES} or not (n == "all" or n.isdigit()):
            ap.error(f"--max-pages {item!r}: expected SOURCE=N or SOURCE=all with SOURCE one of "
                     + ", ".join(s.short for s in SOURCES))
        caps[short] = None if n == "all" else int(n)
    sources = [replace(s, max_pages=caps.get(s.short, s.max_pages)) for s in SOURCES]
    by_repo: dict[str, Path] = {}
    for gd in args.gitdirs:
        for src in sources:
            if holds(gd, src.commit):
                by_repo[src.short] = gd
    (args.out / "lines").mkdir(parents=True, exist_ok=True)
    built = [s.short for s in sources if not args.only or s.short in args.only]
    rows, stats = _previous(args.out, keep=[s.short for s in sources if s.short not in built])
    for src in sources:
        if src.short not in built:
            continue
        for old in (args.out / "lines").glob(f"{src.short}[0-9]*"):
            old.unlink()
        if src.short not in by_repo:
            print(f"{src.repo}: no given git directory holds commit {src.commit}; source skipped", file=sys.stderr)
            continue
        build_source(src, by_repo[src.short], args.out, rows, stats)
        print(f"{src.short}: {dict(stats[src.short])}", file=sys.stderr)
    # new files renamed into place: a copy made with hard links (cp -al) keeps its own tables
    tmp = args.out / "split.tsv.tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["id", "split", "source_page", "hand", "source", "textline_id"], delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    tmp.replace(args.out / "split.tsv")
    meta = {"normalisation": VERSION, "sources": {s.short: {"repo": s.repo, "commit": s.commit,
                                                            "max_pages": s.max_pages} for s in sources},
            "heldout_hands": sorted(HELDOUT_HANDS), "dev_wills_excluded": sorted(DEV_WILLS),
            "stats": {k: dict(v) for k, v in stats.items()}}
    tmp = args.out / "stats.json.tmp"
    tmp.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(args.out / "stats.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
