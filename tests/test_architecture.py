"""The headless core never imports Qt (import-linter checks the static imports; this checks runtime)."""

from __future__ import annotations

import subprocess
import sys


def test_core_modules_leave_qt_unimported():
    code = ("import sys; import digitizer.pipeline.process, digitizer.pipeline.export, digitizer.store, "
            "digitizer.ingest, digitizer.engines.tesseract.engine, digitizer.export.alto, digitizer.batch.runner, "
            "digitizer.cli.main; digitizer.cli.main.build_parser(); "
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_import_linter_contract_is_kept():
    import shutil
    from pathlib import Path

    exe = Path(sys.executable).with_name("lint-imports")
    cmd = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert res.returncode == 0, res.stdout[-2000:]
