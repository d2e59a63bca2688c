#!/usr/bin/env bash
# `make bench`: `avatarpipe batch` against the sandbox — 40 rows of 10 s speech at latency 0
# (against the post-processing work itself), at latency 20 s with 4 in flight (against the
# ideal waves of renders), and peak memory at 40 and 400 rows.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product avatarpipe >/dev/null
exec python3 scripts/bench-batch.py "$@"
