#!/usr/bin/env bash
# The whole test suite (real tesseract, real kraken, real SQLite, real XSD validation).
# -rs prints the reason of every skip; with CI=true a skip is a failure (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .cache/ocrd-venv/bin/ocrd ] && export DIGITIZER_OCRD=${DIGITIZER_OCRD:-$PWD/.cache/ocrd-venv/bin/ocrd}
export OMP_THREAD_LIMIT=1 QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
exec .venv/bin/pytest -q -rs --continue-on-collection-errors "$@"
