#!/usr/bin/env bash
# HTTP/1.1 hello-world keep-alive (issue #12): Troupe's HttpServer against Netty's HttpServerCodec
# (epoll and NIO), each server in a JVM of its own, driven by wrk (Debian's package) from outside.
#
#   benchmarks/run-http.sh [pinned|both] [rounds]
#
# pinned (default): each server limited to core 0 with one thread (one worker / one event loop),
#   wrk on core 1 (-t1 -c64). both: servers on both cores with two threads, wrk unpinned.
# Each round runs the servers one after another (10 s each after a 5 s warm-up), and prints req/s,
# p50 and p99 (wrk --latency) and the ratios to Netty's best of that round; the last lines are the
# medians of the ratios over the rounds. Needs the peers jar (benchmarks/README.md) and wrk.
set -euo pipefail
mode=${1:-pinned}
rounds=${2:-3}
jar=$(cd "$(dirname "$0")" && pwd)/target/benchmarks.jar
[ -f "$jar" ] || { echo "no $jar: build it with -Ppeers first (benchmarks/README.md)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
if [ "$mode" = pinned ]; then srv="taskset -c 0"; cli="taskset -c 1"; threads=1; else srv=""; cli=""; threads=2; fi
port=18480
declare -A results

latency_us() { # wrk latency like 1.23ms / 850.00us / 1.02s -> microseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n }'
}

run_one() { # kind -> "rps p50 p99"
  local kind=$1 pid out rps p50 p99
  port=$((port + 1))
  $srv java -Xms1g -Xmx1g -cp "$jar" io.troupe.benchmarks.peers.http.HelloServer "$kind" "$port" "$threads" > /tmp/hello-$kind.log 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do grep -q listening /tmp/hello-$kind.log 2>/dev/null && break; sleep 0.1; done
  $cli wrk -t1 -c64 -d5s "http://127.0.0.1:$port/" > /dev/null
  out=$($cli wrk -t1 -c64 -d10s --latency "http://127.0.0.1:$port/")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if echo "$out" | grep -q "Non-2xx\|Socket errors"; then echo "$kind: errors: $(echo "$out" | grep "Non-2xx\|Socket errors")" >&2; fi
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(latency_us "$(echo "$out" | awk '$1 == "50%" {print $2}')")
  p99=$(latency_us "$(echo "$out" | awk '$1 == "99%" {print $2}')")
  echo "$rps $p50 $p99"
}

ratios=()
for r in $(seq 1 "$rounds"); do
  echo "=== round $r ($mode) $(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
  for kind in NETTY_EPOLL NETTY_NIO TROUPE; do results[$kind]=$(run_one $kind); echo "$kind req/s p50us p99us: ${results[$kind]}"; done
  ratios+=("$(python3 - "${results[NETTY_EPOLL]}" "${results[NETTY_NIO]}" "${results[TROUPE]}" <<'PY'
import sys
e, n, t = ([float(x) for x in a.split()] for a in sys.argv[1:])
best = e if e[0] >= n[0] else n
print(f"{t[0]/best[0]:.3f} {t[2]/best[2]:.3f}")
PY
)")
  echo "Troupe / Netty best: req/s, p99 = ${ratios[-1]}"
done
python3 - "${ratios[@]}" <<'PY'
import sys, statistics
rs = [tuple(map(float, a.split())) for a in sys.argv[1:]]
print(f"median over {len(rs)} rounds: req/s ratio {statistics.median(r[0] for r in rs):.2f}, p99 ratio {statistics.median(r[1] for r in rs):.2f}")
PY
