#!/usr/bin/env bash
# Regenerates testdata/truth.json from every capture in testdata/ using
# tshark and capinfos (see truth.py for the fields). Re-runnable; picks up
# captures added later. Usage: bash testdata/record/truth.sh [TESTDATA_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TD=${1:-$(dirname "$HERE")}
command -v tshark >/dev/null || { echo "truth.sh: tshark not found" >&2; exit 1; }
command -v capinfos >/dev/null || { echo "truth.sh: capinfos not found" >&2; exit 1; }
exec python3 "$HERE/truth.py" "$TD" "$TD/truth.json"
