#!/usr/bin/env bash
# Installs what avatarpipe needs on Debian 12: the FFmpeg/libcurl/libpng/libsqlite3 (the
# ledger, through GRDB) development packages, PostgreSQL (the shared ledger; the tests start
# a private cluster of it), the ffmpeg CLI (the tests' independent judge), espeak-ng (fixtures, speech),
# opencv-data (Haar cascades) and fonts. Idempotent and quiet: when everything is
# present it only runs dpkg-query and returns.
set -euo pipefail

packages=(
  pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  libcurl4-openssl-dev libpng-dev
  libsqlite3-dev
  postgresql
  ffmpeg
  espeak-ng libespeak-ng-dev
  opencv-data
  fonts-dejavu-core
  flite
  chromium
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

# Test peers from PyPI: moto's S3 server (hosting tests) and boto3 (reference SigV4 URLs).
python_missing=()
python3 -c "import moto.server, flask_cors" 2>/dev/null || python_missing+=("moto[server]")
python3 -c "import boto3" 2>/dev/null || python_missing+=("boto3")
if [[ ${#python_missing[@]} -gt 0 ]]; then
  echo "setup: pip installing ${python_missing[*]}" >&2
  python3 -m pip install -q "${python_missing[@]}" >&2
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done" >&2
