"""Where the benchmarks find the team's dev corpus: ``--corpus DIR`` or ``$DIGITIZER_CORPUS``.

The corpus (real scans with ground truth in ``ocrd-assets-kant/``, ``tapuscorpus/``,
``testaments-de-poilus/``) is not part of the repository; ``tests/data`` holds only a few of its
pages, in the same folders, and is the default where a benchmark can do with those.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path

ENV = "DIGITIZER_CORPUS"
TEST_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def add_corpus_argument(ap: argparse.ArgumentParser, default: Path | None = None) -> None:
    """``--corpus DIR`` (default: ``$DIGITIZER_CORPUS``, else ``default``, else none: required)."""
    fallback = f", else {default}" if default else " (required)"
    ap.add_argument("--corpus", type=Path, default=os.environ.get(ENV) or default, metavar="DIR",
                    help=f"the dev corpus folder (default: ${ENV}{fallback})")


def require_corpus(corpus: Path | None, needed: Iterable[str] = ()) -> Path:
    """The corpus folder, or exit with one clear line saying what is missing and how to give it."""
    prog = Path(sys.argv[0]).name
    how = (f"pass --corpus DIR or set {ENV} (the team's dev corpus with ocrd-assets-kant/, tapuscorpus/, "
           "testaments-de-poilus/; it is not part of the repository)")
    if corpus is None:
        sys.exit(f"{prog}: no dev corpus given: {how}")
    root = Path(corpus)
    if not root.is_dir():
        sys.exit(f"{prog}: dev corpus {root} not found: {how}")
    missing = [rel for rel in needed if not (root / rel).exists()]
    if missing:
        sys.exit(f"{prog}: dev corpus {root} lacks {', '.join(missing[:3])}"
                 f"{' ...' if len(missing) > 3 else ''}: {how}")
    return root
