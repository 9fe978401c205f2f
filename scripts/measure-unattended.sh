#!/usr/bin/env bash
# Figures for unattended operation (README "Running it again"; docs/performance.md):
#   1. a no-op rerun over N done inputs (default 10,000), wall time;
#   2. peak RSS and pages per minute of `casefile run` over generated 300-dpi letter pages
#      (JPEG, one file per page) for each page count and --jobs given.
#
#   scripts/measure-unattended.sh rerun [N]
#   scripts/measure-unattended.sh pages PAGES JOBS [PAGES JOBS ...]
#
# Uses the release build (cargo build --release -p casefile -p fixturegen first) and a scratch
# folder under ${TMPDIR:-/tmp}. Peak RSS comes from GNU time (%M) when present, else from
# Python's getrusage of the child.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p casefile -p fixturegen
bin="$PWD/target/release/casefile"
gen="$PWD/target/release/fixturegen"
scratch="${TMPDIR:-/tmp}/casefile-measure"
mkdir -p "$scratch"

# Run a command, print "<wall seconds> <peak RSS MB>".
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - t
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
if r.returncode not in (0, 1):
    sys.exit(f"exit {r.returncode}: {' '.join(sys.argv[1:])}")
print(f"{wall:.3f} {rss_mb:.0f}")
PY
}

case "${1:-}" in
rerun)
    n="${2:-10000}"
    dir="$scratch/rerun-$n"
    if [ ! -d "$dir/in" ]; then
        echo "making $n small distinct blank PNG inputs in $dir/in" >&2
        mkdir -p "$dir/in"
        python3 - "$dir/in" "$n" <<'PY'
import struct, sys, zlib
out, n = sys.argv[1], int(sys.argv[2])
def png(w, h, rows):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + r for r in rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
for i in range(n):
    rows = [bytearray(b"\xff" * 200) for _ in range(260)]
    rows[i // 200 % 260][i % 200] = 0xFA  # one pixel differs: distinct content, still blank
    with open(f"{out}/page_{i:05d}.png", "wb") as f:
        f.write(png(200, 260, [bytes(r) for r in rows]))
PY
        rm -rf "$dir/out"
        echo "first run (blank pages: no recognition) ..." >&2
        echo "first run: $(measure "$bin" run "$dir/in" --out "$dir/out" --min-age 0 --quiet) (s, MB)"
    fi
    for i in 1 2 3; do
        echo "no-op rerun over $n done inputs: $(measure "$bin" run "$dir/in" --out "$dir/out" --quiet) (s, MB)"
    done
    ;;
pages)
    shift
    while [ $# -ge 2 ]; do
        pages="$1" jobs="$2"
        shift 2
        dir="$scratch/pages-$pages"
        if [ ! -d "$dir/bench/jpeg" ]; then
            echo "generating $pages pages in $dir" >&2
            "$gen" --set bench --pages "$pages" --seed 11 --out "$dir" >&2
        fi
        rm -rf "$dir/out-j$jobs"
        read -r wall rss < <(measure "$bin" run "$dir/bench/jpeg" --out "$dir/out-j$jobs" --min-age 0 --jobs "$jobs" --quiet)
        ppm=$(python3 -c "print(f'{$pages * 60 / $wall:.1f}')")
        echo "pages $pages  jobs $jobs  wall ${wall} s  ${ppm} pages/min  peak RSS ${rss} MB"
    done
    ;;
*)
    sed -n '2,12p' "$0"
    exit 2
    ;;
esac
