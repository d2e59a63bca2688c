#!/usr/bin/env bash
# Checks DIR/index.html in a real browser: headless Chromium loads the page from a local
# HTTP server on 127.0.0.1, the video's metadata must load with the expected duration
# (within 0.1 s), the caption track (and the storyboard's thumbnail track) must load with
# cues, and a screenshot is written next to the page (DIR/index.png).
#
#   scripts/check-page.sh DIR [--expect-duration SECONDS] [--tolerance SECONDS] [--timeout SECONDS] [--json]
#
# Exit codes: 0 pass; 1 fail (reasons on stderr); 2 usage; 77 Chromium is not installed
# (Debian package chromium; CHROMIUM=/path/to/chrome to use another build).
set -euo pipefail
exec python3 "$(dirname "$0")/check-page.py" "$@"
