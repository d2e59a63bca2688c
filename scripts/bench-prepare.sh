#!/usr/bin/env bash
# Preparation speed (issue 3): a 4000x3000 JPEG and a 5-minute FLAC through check --fix.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/bench-prepare.py "$@"
