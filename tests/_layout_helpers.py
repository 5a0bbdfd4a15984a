"""A real page for the layout editing tests: the typewritten page of tests/data processed once with tesseract."""

from __future__ import annotations

from pathlib import Path

import pytest

from _batch_helpers import copy_project, make_project
from _data_helpers import TYPED_PAGE


@pytest.fixture(scope="session")
def typed_project(tmp_path_factory) -> Path:
    """The typewritten page processed with the real tesseract (copy it with :func:`copy_typed`)."""
    from digitizer.batch.process import process_pages

    root = tmp_path_factory.mktemp("typed") / "proj"
    store = make_project(root, files=[TYPED_PAGE], item="typed")
    rep = process_pages(store)
    assert len(rep.done) == 1, rep.failed
    store.close()
    return root


copy_typed = copy_project       # a copy of the processed typed page's project
