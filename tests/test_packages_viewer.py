"""Mirador 4 in headless Chromium shows the page tiles of an exported item (``.ci/viewer-smoke.sh``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.chromium
@pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("npm") is None,
                    reason="needs Debian chromium and npm (.ci/viewer-smoke.sh installs them)")
def test_mirador_draws_our_tiles(tmp_path):
    res = subprocess.run(["bash", str(ROOT / ".ci" / "viewer-smoke.sh"), str(tmp_path)], capture_output=True,
                         text=True, timeout=400, env={**__import__("os").environ, "PORT": "8779"})
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    results = json.loads(next(ln for ln in res.stdout.splitlines() if ln.startswith("{")))
    assert results["abs"]["tiles"] > 0 and results["abs"]["info_json"] == 1 and results["abs"]["nonblank"] > 100
    assert results["rel"]["tiles"] == 0          # relative ids: Mirador resolves them against the page, not the manifest
    assert (tmp_path / "shot_mirador_abs.png").stat().st_size > 10_000
