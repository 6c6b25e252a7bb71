#!/usr/bin/env bash
# Installs the native tools the benchmarks compare against (tesseract, pdftotext/pdftoppm), ImageMagick,
# rsvg-convert (the corpus's receipts), curl and redis-server (queue-workers) from Debian, when they are missing. Run as root (or with sudo)
# before `pnpm bench`.
set -euo pipefail

missing=()
command -v tesseract >/dev/null || missing+=(tesseract-ocr)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v pdfseparate >/dev/null || missing+=(poppler-utils)
# The local-engine corpus degrades its scans with ImageMagick (`convert` alone may be a stand-in).
command -v identify >/dev/null || missing+=(imagemagick)
# The corpus's receipts are set as PDFs from receiptline's SVG.
command -v rsvg-convert >/dev/null || missing+=(librsvg2-bin)
command -v curl >/dev/null || missing+=(curl)
command -v redis-server >/dev/null || missing+=(redis-server)

if [ ${#missing[@]} -eq 0 ]; then
  echo "bench/setup.sh: tesseract, poppler-utils, imagemagick, librsvg2-bin, curl and redis-server are installed"
  exit 0
fi

packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
echo "bench/setup.sh: installing ${packages}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends ${packages} >/dev/null
