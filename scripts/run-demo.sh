#!/usr/bin/env bash
# Generate the demo collection (deterministic, our own files) and run the main job on it.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT:-1}
.venv/bin/python -m digitizer.demo demo
.venv/bin/digitizer run demo/letters demo/report -o demo-out --profile printed-modern --lang eng
echo
echo "demo: METS files:"; ls demo-out/*/mets.xml
( cd demo-out && sha256sum -c --quiet manifest-sha256.txt && echo "demo: all checksums OK (manifest-sha256.txt)" )
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${CI:-}" ] && .venv/bin/digitizer gui --help >/dev/null 2>&1; then
  echo "demo: opening the workstation on demo-out/_project"
  .venv/bin/digitizer gui demo-out/_project
else
  echo "demo: no display: open the project later with '.venv/bin/digitizer gui demo-out/_project'"
fi
