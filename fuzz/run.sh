#!/usr/bin/env bash
# Run one fuzz target for a bounded time (see docs/fuzzing.md).
#
#   fuzz/run.sh TARGET [SECONDS]      TARGET: image_loaders | pdf_page_images | catalog
#
# Stable Rust is enough: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags to stable rustc.
# Sanitizer off (-s none): the Rust code is memory-safe, and the C libraries it calls
# (Leptonica) are the system's, not instrumented anyway; what is looked for is panics,
# hangs (-timeout) and unbounded memory (-rss_limit_mb).
set -euo pipefail
cd "$(dirname "$0")"
target="${1:?target: image_loaders | pdf_page_images | catalog}"
secs="${2:-600}"
corpus="corpus/$target"
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ]; then
  # Seeds: small valid inputs, made here or taken from files already at hand.
  case "$target" in
    catalog) cp ../catalog/forms.toml "$corpus/" ;;
    pdf_page_images)
      peer=../../shared/corpus/peer/ocrmypdf-resources
      if [ -d "$peer" ]; then find "$peer" -name '*.pdf' -size -40k -exec cp {} "$corpus/" \; ; fi ;;
    image_loaders)
      if command -v convert >/dev/null; then
        d="-size 64x48 xc:white -fill black -draw 'rectangle 10,10 40,20'"
        eval convert $d -depth 8 "$corpus/a.png"
        eval convert $d -quality 80 "$corpus/a.jpg"
        eval convert $d -type bilevel -compress group4 "$corpus/g4.tif"
        eval convert $d -type bilevel -compress fax "$corpus/g3.tif"
        eval convert $d -compress lzw "$corpus/lzw.tif"
        eval convert $d -compress RLE -type grayscale "$corpus/rle.tif"
        eval convert $d "$corpus/a.bmp"
        convert "$corpus/g4.tif" "$corpus/lzw.tif" "$corpus/multi.tif"
      fi ;;
  esac
fi
export RUSTC_BOOTSTRAP=1
exec nice -n 10 cargo fuzz run -s none -O "$target" "$corpus" -- \
  -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
