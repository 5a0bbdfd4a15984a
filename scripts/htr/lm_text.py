#!/usr/bin/env python3
"""Text for the character language model from the pinned HTR-United snapshots: every training page.

    python scripts/htr/lm_text.py OUT.txt GITDIR [GITDIR ...]
    digitizer train-lm MODEL --from-folder DATA --text OUT.txt

The line set (``build_dataset.py``) keeps only pages with an image and a subset of the large
LECTAUREP registers; a language model needs only the text, so this writes the normalised
transcription (``digitizer.htr.normalize.transcription``) of *every* page whose split is
``train`` in ``build_dataset.py`` (same sources, commits and rules: never a dev will, a validation
will, a test page or a held-out hand), one line per line, and prints how much came from each
source.  Pages already in the line set are written too (``--from-folder`` counts them again:
pass ``--exclude-folder DATA`` to leave them out).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_dataset import SOURCES, hand_of, holds, pages, read_page, split_of  # noqa: E402

from digitizer.htr.normalize import transcription, usable  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="text file to write (outside the repository)")
    ap.add_argument("gitdirs", type=Path, nargs="+", help="git directories of the sources (any order)")
    ap.add_argument("--exclude-folder", type=Path, metavar="DATA",
                    help="leave out the pages already in this line set (its split.tsv)")
    args = ap.parse_args(argv)
    skip: set[str] = set()
    if args.exclude_folder:
        with open(args.exclude_folder / "split.tsv", encoding="utf-8", newline="") as fh:
            skip = {r["source_page"] for r in csv.DictReader(fh, delimiter="\t")}
    stats: dict[str, Counter] = {}
    tmp = args.out.with_name(args.out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for src in (replace(s, max_pages=None) for s in SOURCES):
            gitdir = next((gd for gd in args.gitdirs if holds(gd, src.commit)), None)
            if gitdir is None:
                print(f"{src.repo}: no given git directory holds commit {src.commit}; source skipped", file=sys.stderr)
                continue
            st = stats.setdefault(src.short, Counter())
            for xml_path in pages(src, gitdir):
                if split_of(src, hand_of(src, xml_path), xml_path) != "train":
                    st["pages_not_train"] += 1
                    continue
                if f"{src.short}:{xml_path}" in skip:
                    st["pages_in_line_set"] += 1
                    continue
                page = read_page(gitdir, src.commit, xml_path)
                st["pages"] += 1
                for ln in page.lines:
                    text = transcription(ln.text)
                    if usable(text):
                        out.write(text + "\n")
                        st["lines"] += 1
                        st["chars"] += len(text)
            print(f"{src.short}: {dict(st)}", file=sys.stderr)
    tmp.replace(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
