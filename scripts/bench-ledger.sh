#!/usr/bin/env bash
# `make bench`: the ledger's cost — a claim to a commit, `avatarpipe ledger` over 10,000 renders,
# and a whole `run` against the sandbox at zero latency (beside a pre-ledger build when OLD_BIN
# names one, e.g. one built from commit 947cf3f).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ledger-bench >/dev/null
swift build -c release --product avatarpipe >/dev/null
exec python3 scripts/bench-ledger.py "$@"
