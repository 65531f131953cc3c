#!/usr/bin/env bash
# HTTP/2 hello-world (issue #16): Troupe's HttpServer with HTTP/2 on against Netty's HTTP/2 codec at
# its leanest (Http2ConnectionHandler + a frame listener, epoll and NIO) and its frame API
# (Http2FrameCodec, epoll), each server in a JVM of its own, cleartext with prior knowledge, driven by h2load
# (Debian's nghttp2-client) from outside: h2load -c 16 -m 32 (16 connections, 32 streams each).
#
#   benchmarks/run-h2.sh [pinned|both] [rounds]
#
# pinned (default): each server limited to core 0 with one thread, h2load on core 1 (-t 1).
# both: servers on both cores with two threads, h2load unpinned. Each round runs the servers one
# after another (10 s each after a 5 s warm-up), checks that every request succeeded, and prints
# req/s, the mean time per request, and the ratio to Netty's best of that round; the last line is
# the median of the ratios. Needs the peers jar (benchmarks/README.md) and h2load.
set -euo pipefail
mode=${1:-pinned}
rounds=${2:-3}
jar=$(cd "$(dirname "$0")" && pwd)/target/benchmarks.jar
[ -f "$jar" ] || { echo "no $jar: build it with -Ppeers first (benchmarks/README.md)" >&2; exit 1; }
command -v h2load >/dev/null || { echo "h2load is needed (apt-get install nghttp2-client)" >&2; exit 1; }
if [ "$mode" = pinned ]; then srv="taskset -c 0"; cli="taskset -c 1"; threads=1; else srv=""; cli=""; threads=2; fi
port=18580
declare -A results

mean_us() { # h2load time like 1.23ms / 850us / 1.02s -> microseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n }'
}

run_one() { # kind -> "rps mean_us"
  local kind=$1 pid out rps mean total ok
  port=$((port + 1))
  $srv java -Xms1g -Xmx1g -cp "$jar" io.troupe.benchmarks.peers.http.H2HelloServer "$kind" "$port" "$threads" > /tmp/h2hello-$kind.log 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do grep -q listening /tmp/h2hello-$kind.log 2>/dev/null && break; sleep 0.1; done
  $cli h2load -t 1 -c 16 -m 32 -D 5 "http://127.0.0.1:$port/" > /dev/null
  out=$($cli h2load -t 1 -c 16 -m 32 -D 10 "http://127.0.0.1:$port/")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  total=$(echo "$out" | awk '/^requests:/ {print $2}')
  ok=$(echo "$out" | awk '/^requests:/ {print $8}')
  if [ "$total" != "$ok" ] || ! echo "$out" | grep -q "status codes: [0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx"; then
    echo "$kind: not every request succeeded: $(echo "$out" | grep -E '^requests:|^status codes:')" >&2
  fi
  rps=$(echo "$out" | awk '/^finished in/ {print $4}')
  mean=$(mean_us "$(echo "$out" | awk '/^time for request:/ {print $6}')")
  echo "$rps $mean"
}

ratios=()
for r in $(seq 1 "$rounds"); do
  echo "=== round $r ($mode) $(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
  for kind in NETTY_EPOLL_LISTENER NETTY_NIO_LISTENER NETTY_EPOLL TROUPE; do results[$kind]=$(run_one $kind); echo "$kind req/s mean-us: ${results[$kind]}"; done
  ratios+=("$(python3 - "${results[NETTY_EPOLL_LISTENER]}" "${results[NETTY_NIO_LISTENER]}" "${results[NETTY_EPOLL]}" "${results[TROUPE]}" <<'PY'
import sys
*netty, t = ([float(x) for x in a.split()] for a in sys.argv[1:])
best = max(netty, key=lambda r: r[0])
print(f"{t[0]/best[0]:.3f} {t[1]/best[1]:.3f}")
PY
)")
  echo "Troupe / Netty best: req/s, mean time = ${ratios[-1]}"
done
python3 - "${ratios[@]}" <<'PY'
import sys, statistics
rs = [tuple(map(float, a.split())) for a in sys.argv[1:]]
print(f"median over {len(rs)} rounds: req/s ratio {statistics.median(r[0] for r in rs):.2f}, mean time ratio {statistics.median(r[1] for r in rs):.2f}")
PY
