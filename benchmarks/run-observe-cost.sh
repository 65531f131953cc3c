#!/usr/bin/env bash
# The cost of the observability hooks (issue #15) as interleaved A/B pairs of short JMH forks.
#
#   benchmarks/run-observe-cost.sh                 # 8 pairs of each workload, hooks on (A) vs off (B)
#   PAIRS=12 WHICH=PingPong benchmarks/run-observe-cost.sh
#   AA=1 benchmarks/run-observe-cost.sh            # A/A control: hooks on vs hooks on (the method's own noise)
#
# Each pair runs ObserveCostBenchmark.OneWorker<workload>Hooks{On,Off} (one worker: no placement of
# the actors on one or two cores, the cause of the bimodal ping-pong scores) as two separate JMH
# runs of one fork each, in ABBA order (A,B then B,A in the next pair, so a drift of the host's load
# falls on both sides alike), each under `flock /tmp/jmh.lock`, with `uptime` recorded before it.
# Per pair it computes two slowdowns of hooks on against hooks off:
#   time   = throughput(off) / throughput(on)    (wall clock; moved by anything that takes the core)
#   cpu    = cpuNs/msg(on) / cpuNs/msg(off)      (the worker thread's CPU time per message, from the
#                                                 benchmark's CpuCost counters: time the worker waited
#                                                 for a core is not in it)
# each from the median of a fork's iterations ("med") and from its best ("best": the iteration of
# highest throughput; the invocation, one whole workload of a few milliseconds, of lowest CPU per
# message: other processes only ever make a run worse, so the best one is the least disturbed),
# and prints each pair, then per workload the median, the quartiles and the range of each
# slowdown over the pairs. A slowdown of 1.03 is the budget's 3%. The A/A run's spread is the method's noise: the
# B/A ratio of two identical builds.
#
# Environment: JAR (benchmarks/target/benchmarks.jar), PAIRS (8), WHICH (both | PingPong | ThreadRing),
# AA (0), OUT (a new directory under /tmp), JMH_OPTS ("-f 1 -wi 4 -w 1s -i 10 -r 1s").
set -euo pipefail

cd "$(dirname "$0")/.."
JAR=${JAR:-benchmarks/target/benchmarks.jar}
PAIRS=${PAIRS:-8}
WHICH=${WHICH:-both}
AA=${AA:-0}
OUT=${OUT:-/tmp/observe-cost-$(date -u +%Y%m%dT%H%M%S)}
JMH_OPTS=${JMH_OPTS:--f 1 -wi 4 -w 1s -i 10 -r 1s}
mkdir -p "$OUT"
[ -f "$JAR" ] || { echo "no $JAR: build it (benchmarks/README.md, Build)" >&2; exit 2; }

case "$WHICH" in
  both) WORKLOADS="PingPong ThreadRing" ;;
  PingPong|ThreadRing) WORKLOADS="$WHICH" ;;
  *) echo "WHICH must be both, PingPong or ThreadRing" >&2; exit 2 ;;
esac
A=On
B=Off
[ "$AA" = 1 ] && B=On

run() { # workload pair side variant
  local w=$1 i=$2 side=$3 v=$4
  local name="$w-$i-$side"
  echo "$(date -u +%H:%M:%S) $name (Hooks$v) load: $(uptime | sed 's/.*load average: //')" | tee -a "$OUT/loads.txt"
  # shellcheck disable=SC2086
  flock /tmp/jmh.lock java -jar "$JAR" "ObserveCostBenchmark\.OneWorker${w}Hooks${v}\." $JMH_OPTS \
      -rf json -rff "$OUT/$name.json" > "$OUT/$name.log" 2>&1 || { echo "JMH failed, see $OUT/$name.log" >&2; exit 1; }
}

for i in $(seq 1 "$PAIRS"); do
  for w in $WORKLOADS; do
    if [ $((i % 2)) = 1 ]; then run "$w" "$i" A $A; run "$w" "$i" B $B; else run "$w" "$i" B $B; run "$w" "$i" A $A; fi
  done
done
echo "$(date -u +%H:%M:%S) done, load: $(uptime | sed 's/.*load average: //')" | tee -a "$OUT/loads.txt"

python3 - "$OUT" "$PAIRS" "$WORKLOADS" "$AA" <<'EOF'
import json, statistics, sys
out, pairs, workloads, aa = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4] == "1"

def read(name):
    """Per run (one fork): throughput and CPU ns/msg, each as (median of the iterations, best iteration)."""
    with open(f"{out}/{name}.json") as f:
        r = json.load(f)[0]
    thr = r["primaryMetric"]["rawData"][0]
    cpu = r["secondaryMetrics"]["cpuNanos"]["rawData"][0]
    msgs = r["secondaryMetrics"]["messages"]["rawData"][0]
    per_msg = [c / m for c, m in zip(cpu, msgs)]
    best = r["secondaryMetrics"].get("bestMessagesPerCpuSecond", {}).get("rawData", [[0]])[0]
    # the least disturbed invocation; a jar without that counter: the least disturbed iteration
    best_ns = 1e9 / max(best) if max(best) > 0 else min(per_msg)
    return (statistics.median(thr), max(thr)), (statistics.median(per_msg), best_ns)

def summary(xs):
    xs = sorted(xs)
    q = statistics.quantiles(xs, n=4, method="inclusive") if len(xs) >= 4 else [xs[0], 0, xs[-1]]
    return f"median {statistics.median(xs):.3f}  quartiles {q[0]:.3f}..{q[2]:.3f}  range {xs[0]:.3f}..{xs[-1]:.3f}  ({len(xs)} pairs)"

print(f"\n{'A/A control: hooks on vs hooks on' if aa else 'hooks on (A) vs hooks off (B)'}; a slowdown > 1 means A costs more;"
      f" med = median of a fork's iterations, best = its best iteration; results in {out}")
for w in workloads:
    s = {k: [] for k in ("time med", "time best", "cpu med", "cpu best")}
    print(f"\n{w}: pair  A Mmsg/s med/best  B Mmsg/s med/best  A ns/msg med/best  B ns/msg med/best  slowdown time med/best  cpu med/best")
    for i in range(1, pairs + 1):
        (ta, ca), (tb, cb) = read(f"{w}-{i}-A"), read(f"{w}-{i}-B")
        tm, tbst, cm, cbst = tb[0] / ta[0], tb[1] / ta[1], ca[0] / cb[0], ca[1] / cb[1]
        s["time med"].append(tm); s["time best"].append(tbst); s["cpu med"].append(cm); s["cpu best"].append(cbst)
        print(f"{w}: {i:4d}  {ta[0]/1e6:6.2f} {ta[1]/1e6:6.2f}      {tb[0]/1e6:6.2f} {tb[1]/1e6:6.2f}      "
              f"{ca[0]:6.1f} {ca[1]:6.1f}      {cb[0]:6.1f} {cb[1]:6.1f}      {tm:6.3f} {tbst:6.3f}        {cm:6.3f} {cbst:6.3f}")
    for k, xs in s.items():
        print(f"{w} slowdown, {k:9s}: {summary(xs)}")
EOF
