#!/usr/bin/env bash
# Idempotent setup for a fresh Debian 12 / Ubuntu machine: OS packages, .venv, the project.
# A second run only checks (a few seconds).  Usage: scripts/setup.sh [--with-chromium]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WITH_CHROMIUM=0
[ "${1:-}" = "--with-chromium" ] && WITH_CHROMIUM=1

APT_PACKAGES=(
  python3-venv python3-dev build-essential pkg-config
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-lat tesseract-ocr-osd
  tesseract-ocr-frk
  libvips42 libvips-tools libsane-dev sane-utils libxml2-utils poppler-utils
  xvfb xauth x11-utils fonts-dejavu-core openbox xdotool
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0
  libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1
)
if [ "$WITH_CHROMIUM" = 1 ]; then
  APT_PACKAGES+=(chromium)
  # the viewer test installs Mirador with npm; a NodeSource nodejs already brings its own npm
  command -v npm >/dev/null || APT_PACKAGES+=(npm)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing OS packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
STAMP=.venv/.digitizer-stamp
want=$(cat requirements.txt requirements-lock.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages into .venv (first run: about a minute)"
  .venv/bin/python -m pip install -q -U pip
  # one pip call so that torch stays the CPU build (see requirements.txt)
  .venv/bin/python -m pip install -q -r requirements.txt -c requirements-lock.txt
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  echo "$want" > "$STAMP"
fi
# Test tools that would clash with our pinned packages live in their own virtualenv under .cache/:
# OCR-D's PAGE validator (PyPI 'ocrd' pulls ~76 packages and replaces bagit/click/shapely).
if [ "$WITH_CHROMIUM" = 1 ]; then
  OCRD_PIN="ocrd==3.13.3"
  if [ "$(cat .cache/ocrd-venv/.stamp 2>/dev/null)" != "$OCRD_PIN" ]; then
    echo "setup: installing OCR-D's validator into .cache/ocrd-venv (test tool, first run: about two minutes)"
    rm -rf .cache/ocrd-venv
    "$PY" -m venv .cache/ocrd-venv
    .cache/ocrd-venv/bin/python -m pip install -q "$OCRD_PIN"
    echo "$OCRD_PIN" > .cache/ocrd-venv/.stamp
  fi
fi
echo "setup: ok ($(tesseract --version 2>&1 | head -1); $(.venv/bin/python --version))"
