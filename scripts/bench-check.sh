#!/usr/bin/env bash
# `make bench`: avatarpipe check against the ffmpeg CLI doing the same decoding work.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/bench-check.py "$@"
