#!/usr/bin/env bash
# Soak of `forkbox serve` (issue #4): 1,000,000 sandboxed requests to /app/hello/ with wrk;
# passes with zero errors, RSS growth under 10% after warm-up and no file-descriptor leak.
# Takes roughly a minute per 20k req/s of server throughput.
#
#   bench/soak.sh [--requests N] [--config forkbox.toml] [--threads T]
#
# FORKBOX (default build/forkbox) selects the binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
forkbox=${FORKBOX:-$here/../build/forkbox}
command -v wrk >/dev/null || { echo "soak.sh: wrk is missing (scripts/setup)" >&2; exit 1; }
[[ -x $forkbox ]] || { echo "soak.sh: $forkbox is not built (scripts/build)" >&2; exit 1; }
exec python3 "$here/http/soak.py" "$forkbox" "$@"
