#!/usr/bin/env bash
# Caption timing accuracy against flite speech with known sentence times, and the time to
# align a 5-minute file. BIN picks the binary (default .build/release/avatarpipe).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in flite python3; do
    command -v "$tool" >/dev/null || { echo "bench-captions: $tool is missing (scripts/setup.sh installs it)" >&2; exit 2; }
done
python3 -c "import numpy" 2>/dev/null || { echo "bench-captions: python3-numpy is missing" >&2; exit 2; }
exec python3 scripts/bench-captions.py "$@"
