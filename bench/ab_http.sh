#!/bin/bash
# Interleaved A/B of two checkouts serving the demo: req/s and the server's CPU per request.
#
#   flock /work/bench.lock bench/ab_http.sh BEFORE_DIR AFTER_DIR [PATH] [TRIES]
#
# Starts `python -m displays.cli serve` in each checkout (demo network, ABFAHRT_CLOCK fixed at a
# busy instant, rate limit lifted), warms both, then alternates `wrk -t1 -c50 -d5s` between
# them TRIES times (default 5). CPU per request = utime + stime jiffies of the server process
# (/proc/<pid>/stat) over the try / requests. Needs wrk; PYTHON defaults to python3.
set -euo pipefail
before=$1; after=$2; path=${3:-/api/v1/displays/hbf-tram}; tries=${4:-5}
python=${PYTHON:-python3}
declare -A PID PORT=([before]=58141 [after]=58142) DIR=([before]=$before [after]=$after)
work=$(mktemp -d)
trap 'kill ${PID[before]:-} ${PID[after]:-} 2>/dev/null || true; rm -rf "$work"' EXIT
for side in before after; do
  (cd "${DIR[$side]}" && ABFAHRT_RATE_LIMIT=1000000000 ABFAHRT_CLOCK=2026-03-04T12:00:00+01:00 \
     exec "$python" -m displays.cli serve --port "${PORT[$side]}" --data-dir "$work/$side" \
     > "$work/$side.log" 2>&1) &
  PID[$side]=$!
done
for side in before after; do
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null "http://127.0.0.1:${PORT[$side]}/healthz" && break; sleep 0.5
  done
  wrk -t1 -c50 -d2s -H "Accept-Encoding: gzip, deflate" "http://127.0.0.1:${PORT[$side]}$path" >/dev/null
done
jiffies() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for _ in $(seq 1 "$tries"); do
  for side in before after; do
    t0=$(jiffies "${PID[$side]}")
    out=$(wrk -t1 -c50 -d5s -H "Accept-Encoding: gzip, deflate" "http://127.0.0.1:${PORT[$side]}$path")
    t1=$(jiffies "${PID[$side]}")
    requests=$(awk '/requests in/{print $1}' <<<"$out")
    rps=$(awk '/^Requests\/sec/{print $2}' <<<"$out")
    hz=$(getconf CLK_TCK)
    echo "$side $path rps=$rps cpu_us_per_req=$(awk -v a="$t0" -v b="$t1" -v n="$requests" -v hz="$hz" 'BEGIN{printf "%.1f", (b-a)/hz*1e6/n}')"
  done
done
