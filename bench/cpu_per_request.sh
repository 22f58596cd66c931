#!/bin/bash
# The server's CPU per request, for servers already running, side by side.
#
#   flock /work/bench.lock bench/cpu_per_request.sh TRIES URL [URL ...]
#
# For each URL, the process listening on its port is pinned to CPU 1 and wrk (one thread, 50
# connections, keep-alive, Accept-Encoding: gzip) to CPU 0, so the client never takes the
# server's core. The URLs are measured in turn, TRIES rounds of 3 s each (interleaved: drift
# hits all alike); CPU per request = utime + stime jiffies of the server (/proc/<pid>/stat)
# over the try / requests. Prints each URL's tries sorted (CPU µs per request, then req/s):
# read the median. Needs wrk, taskset and ss.
set -euo pipefail
tries=$1; shift
port_of() { sed -E 's#^[a-z]+://[^:/]+:([0-9]+).*#\1#' <<<"$1"; }
pid_of() { ss -ltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
jiffies() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
declare -A cpu rps
for url in "$@"; do
  pid=$(pid_of "$(port_of "$url")")
  for task in /proc/"$pid"/task/*; do taskset -pc 1 "${task##*/}" >/dev/null; done
  taskset -c 0 wrk -t1 -c50 -d1s "$url" >/dev/null          # warm up
done
for _ in $(seq 1 "$tries"); do
  for url in "$@"; do
    pid=$(pid_of "$(port_of "$url")")
    before=$(jiffies "$pid")
    out=$(taskset -c 0 wrk -t1 -c50 -d3s -H "Accept-Encoding: gzip, deflate" "$url")
    after=$(jiffies "$pid")
    n=$(awk '/requests in/{print $1}' <<<"$out")
    cpu[$url]+=" $(awk -v a="$before" -v b="$after" -v n="$n" -v hz="$hz" 'BEGIN{printf "%.0f", (b-a)/hz*1e6/n}')"
    rps[$url]+=" $(awk '/^Requests\/sec/{printf "%d", $2}' <<<"$out")"
  done
done
for url in "$@"; do
  echo "$url: CPU µs/request $(tr ' ' '\n' <<<"${cpu[$url]}" | sort -n | xargs) | req/s $(tr ' ' '\n' <<<"${rps[$url]}" | sort -n | xargs)"
done
