#!/usr/bin/env bash
# Preview speed (issue 4): 30 s of 1080p against a comparable ffmpeg CLI command.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/bench-preview.py "$@"
