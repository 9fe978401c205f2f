#!/usr/bin/env bash
# Install the Debian packages casefile needs to build, run and test.
# Safe to run any number of times: it installs only what is missing.
#
#   scripts/setup.sh            build + run + test dependencies
#
# Needs root (or sudo) only when something is missing.
set -euo pipefail

# Build: bindgen needs libclang; the OCR engine is the system libtesseract.
# Run: Tesseract English + orientation (OSD) models.
# Tests: poppler-utils (pdftotext, pdfinfo), qpdf (qpdf --check), fonts for the fixture generator,
# time (GNU /usr/bin/time: peak memory of a run in tests/hostile.rs).
packages=(
  pkg-config clang libclang-dev
  libtesseract-dev libleptonica-dev
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd
  poppler-utils qpdf time
  fonts-dejavu-core fonts-liberation
  fonts-comic-neue fonts-humor-sans fonts-bwht fonts-breip
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: system packages already present" >&2
fi

command -v cargo >/dev/null || {
  echo "setup: cargo not found; install Rust (https://rustup.rs) and re-run" >&2
  exit 1
}
