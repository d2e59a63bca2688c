#!/usr/bin/env bash
# Post-processing speed and quality (issue 6): `avatarpipe post` on 30 s of 1080p30 against the ffmpeg CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/bench-post.py "$@"
