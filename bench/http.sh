#!/usr/bin/env bash
# HTTP benchmark of `forkbox serve` against nginx (issue #4): alternates nginx, forkbox GET /
# and forkbox /app/hello/ five times, server on CPU 0, wrk on CPU 1, and reports req/s, p50,
# p99 and server CPU time per request, then medians and the targets. About 2.5 minutes.
#
#   bench/http.sh [--rounds N] [--duration S] [--config forkbox.toml] [--json out.json]
#
# FORKBOX (default build/forkbox) selects the binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
forkbox=${FORKBOX:-$here/../build/forkbox}
for tool in wrk nginx taskset python3; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
    { echo "http.sh: $tool is missing (scripts/setup installs it)" >&2; exit 1; }
done
[[ -x $forkbox ]] || { echo "http.sh: $forkbox is not built (scripts/build)" >&2; exit 1; }
exec python3 "$here/http/run.py" "$forkbox" "$@"
