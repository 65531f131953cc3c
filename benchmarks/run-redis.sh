#!/usr/bin/env bash
# MiniRedis (examples/.../redis) against a real redis-server, measured in the same script with
# Debian's redis-benchmark: SET and GET, 50 clients, without and with 16-command pipelines.
# Each round measures both servers back to back (redis-server first, then MiniRedis, alternating
# which goes first every round) and prints MiniRedis / redis-server for each test; the ratios of
# all rounds and their median close the output. See "Mini-redis" in benchmarks/README.md.
#
#   benchmarks/run-redis.sh [ROUNDS] [REQUESTS]        (defaults: 3 rounds of 200,000 requests)
#
# Environment: PIN=1 (default) runs each server under `taskset -c 0` and redis-benchmark under
# `taskset -c 1` (one core each, as redis-server is single-threaded); PIN=0 lets all share both
# cores. SHARDS (default 4) is MiniRedis' shard count. JAVA_OPTS are passed to MiniRedis' JVM.
# Needs: redis-server and redis-benchmark (Debian's redis-server, redis-tools), and the modules
# compiled in this checkout: mvn -o -q -B -pl examples -am package -DskipTests
# Takes /tmp/jmh.lock for the whole run, so it never overlaps a JMH run.
set -euo pipefail

if [ "${RUN_REDIS_LOCKED:-}" != 1 ]; then
  exec env RUN_REDIS_LOCKED=1 flock /tmp/jmh.lock "$0" "$@"
fi

rounds=${1:-3}
requests=${2:-200000}
pin=${PIN:-1}
shards=${SHARDS:-4}
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in redis-server redis-benchmark redis-cli java; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install redis-server redis-tools)" >&2; exit 1; }
done
jctools=$(ls "$HOME"/.m2/repository/org/jctools/jctools-core/*/jctools-core-*.jar 2>/dev/null | tail -1)
cp="$jctools"
for m in examples io-actors supervision actors timers mailbox; do
  [ -d "$root/$m/target/classes" ] || { echo "no $root/$m/target/classes: mvn -o -q -B -pl examples -am package -DskipTests" >&2; exit 1; }
  cp="$cp:$root/$m/target/classes"
done

server_cpu=(); client_cpu=()
if [ "$pin" = 1 ]; then
  command -v taskset >/dev/null || { echo "taskset is needed for PIN=1 (util-linux)" >&2; exit 1; }
  server_cpu=(taskset -c 0); client_cpu=(taskset -c 1)
fi

redis_port=16379
mini_port=16380
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"${server_cpu[@]}" redis-server --port "$redis_port" --save '' --appendonly no --daemonize no --loglevel warning &
pids+=($!)
# shellcheck disable=SC2086
"${server_cpu[@]}" java ${JAVA_OPTS:-} -cp "$cp" io.troupe.examples.redis.MiniRedis "$mini_port" "$shards" >/tmp/run-redis-mini.log 2>&1 &
pids+=($!)
for port in "$redis_port" "$mini_port"; do
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] || { echo "server on port $port did not start" >&2; cat /tmp/run-redis-mini.log >&2; exit 1; }
done

# rps PORT ARGS...: prints "SET-rps GET-rps"
rps() {
  local port=$1; shift
  "${client_cpu[@]}" redis-benchmark -p "$port" -t set,get -c 50 -n "$requests" --csv "$@" 2>/dev/null \
    | awk -F'"' '/^"SET"/ {s=$4} /^"GET"/ {g=$4} END {print s, g}'
}

echo "# warm-up: MiniRedis' JIT (not counted)"
rps "$mini_port" >/dev/null
rps "$mini_port" -P 16 >/dev/null

echo "# redis-benchmark -t set,get -c 50 -n $requests [-P 16] --csv; PIN=$pin SHARDS=$shards; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-8s %5s %14s %14s %7s\n' round pipeline test redis-server mini-redis ratio
ratios_file=$(mktemp)
for r in $(seq "$rounds"); do
  for pipeline in 1 16; do
    extra=(); [ "$pipeline" = 16 ] && extra=(-P 16)
    if [ $((r % 2)) = 1 ]; then
      read -r rs rg < <(rps "$redis_port" "${extra[@]}")
      read -r ms mg < <(rps "$mini_port" "${extra[@]}")
    else
      read -r ms mg < <(rps "$mini_port" "${extra[@]}")
      read -r rs rg < <(rps "$redis_port" "${extra[@]}")
    fi
    for t in SET GET; do
      if [ $t = SET ]; then a=$rs; b=$ms; else a=$rg; b=$mg; fi
      ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", b / a}')
      printf '%-6s %-8s %5s %14s %14s %7s\n' "$r" "-P $pipeline" "$t" "$a" "$b" "$ratio"
      echo "$pipeline $t $ratio" >>"$ratios_file"
    done
  done
done
echo
echo "# median ratio mini-redis / redis-server over $rounds rounds"
for pipeline in 1 16; do
  for t in SET GET; do
    m=$(awk -v p="$pipeline" -v t="$t" '$1 == p && $2 == t {print $3}' "$ratios_file" | sort -n \
      | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
    printf -- '-P %-3s %-4s %s\n' "$pipeline" "$t" "$m"
  done
done
rm -f "$ratios_file"
