#!/usr/bin/env bash
# avatarpipe faces against OpenCV's CascadeClassifier: same boxes, and time within 2x.
# Builds nothing: uses .build/release/avatarpipe, or the binary named by BIN.
# OpenCV is for this comparison only (the product never needs it): opencv-python-headless
# is pip-installed when missing, below 5 because OpenCV 5 dropped CascadeClassifier.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import cv2, sys; sys.exit(0 if hasattr(cv2, "CascadeClassifier") else 1)' 2>/dev/null; then
    echo "installing opencv-python-headless<5 for the comparison..." >&2
    # Debian marks its Python as externally managed; the bench's package does not touch apt's.
    python3 -m pip install --quiet --disable-pip-version-check "opencv-python-headless<5" >&2 \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "opencv-python-headless<5" >&2
fi
exec python3 scripts/bench-faces.py "$@"
