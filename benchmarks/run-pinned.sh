#!/usr/bin/env bash
# Echo benchmarks with each server limited to one core and the load generator on the other
# (see "Sockets" in benchmarks/README.md). Each server runs in a JVM of its own under
# `taskset -c 0` (started by the benchmark, EchoServerProcess); this script starts JMH, and so
# the load generator, under `taskset -c 1`, then prints the ratio tables (EchoRatios).
#
#   benchmarks/run-pinned.sh [requestResponse|idle|streaming] [JMH options...]
#
# requestResponse (default): PinnedEchoBenchmark.requestResponse, 64 connections x 64 B.
# idle: IdleConnectionsBenchmark.requestResponse, 16 active connections at 0 and 10,000 idle.
# streaming: PinnedEchoBenchmark.streaming.
# JMH options default to `-f 1 -wi 3 -w 2s -i 5 -r 2s`; options given after the workload replace
# them all, so spell those out too (`-f 1 -wi 3 -w 2s -i 5 -r 2s -p server=NETTY_EPOLL,TROUPE_WORKERS`).
# The CSV goes to pinned-<workload>.csv in the current directory.
set -euo pipefail

workload=${1:-requestResponse}
if [ $# -gt 0 ]; then shift; fi
case "$workload" in
  requestResponse) selection='benchmarks\.peers\.io\.PinnedEchoBenchmark\.requestResponse$' ;;
  idle)            selection='benchmarks\.peers\.io\.IdleConnectionsBenchmark\.requestResponse$' ;;
  streaming)       selection='benchmarks\.peers\.io\.PinnedEchoBenchmark\.streaming$' ;;
  *) echo "usage: $0 [requestResponse|idle|streaming] [JMH options...]" >&2; exit 2 ;;
esac
if [ $# -eq 0 ]; then
  set -- -f 1 -wi 3 -w 2s -i 5 -r 2s
fi

jar=$(cd "$(dirname "$0")" && pwd)/target/benchmarks.jar
[ -f "$jar" ] || { echo "no $jar: build it with -Ppeers first (benchmarks/README.md)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset is needed (util-linux)" >&2; exit 1; }

# 10,000 idle connections take 10,000 file descriptors in each of the two JVMs (HotSpot raises
# its soft limit to the hard one by itself); raise the hard limit if this shell may.
if [ "$workload" = idle ] && [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 12000 ]; then
  ulimit -n 12000 || { echo "10,000 idle connections need \`ulimit -n 12000\` or more; the hard limit is $(ulimit -Hn)" >&2; exit 1; }
fi

csv=pinned-$workload.csv
taskset -c 1 java -jar "$jar" "$selection" "$@" -rf csv -rff "$csv"
echo
java -cp "$jar" io.troupe.benchmarks.io.EchoRatios "$csv"
