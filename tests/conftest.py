"""Shared test setup: offscreen Qt, single-threaded tesseract, paths to shared material."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("DIGITIZER_OPERATOR", "test-operator")

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DIGITIZER_SHARED", REPO.parent / "shared"))


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Never touch the real user's model registry/config in tests."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    if "DIGITIZER_MODELS_DIR" not in os.environ:
        monkeypatch.setenv("DIGITIZER_MODELS_DIR", str(home / "models"))
    yield


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared material not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def dev_corpus(shared_dir) -> Path:
    return shared_dir / "corpus" / "dev"
