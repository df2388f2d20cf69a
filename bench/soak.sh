#!/usr/bin/env bash
# Soak benchmark (docs/RELIABILITY.md "Long runs"): trains on the CPU for MINUTES with step
# checkpoints rotating and a validation evaluation now and then, samples every rank's resident
# memory, open file descriptors and threads every 10 s, then stops the run as a scheduler
# would (SIGUSR1 to mpirun: a checkpoint, exit 75) and reports the trends:
#   bench/soak.sh BUILD_DIR [--minutes 30] [--ranks 2] [--out DIR]
# Output: DIR/samples.csv, DIR/run/metrics.jsonl and DIR/soak.md (bench/soak_report.py).
set -euo pipefail
build=${1:?usage: bench/soak.sh BUILD_DIR [--minutes N] [--ranks N] [--out DIR]}
shift
minutes=30
ranks=2
out=/tmp/moe_soak
while (($#)); do
  case $1 in
    --minutes) minutes=${2:?}; shift 2 ;;
    --ranks) ranks=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    *) echo "bench/soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $minutes =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "bench/soak.sh: --minutes must be a number" >&2; exit 2; }
binary=$(realpath "$build/bin/moe_train")
rm -rf "$out"
mkdir -p "$out"
source tests/support/synthetic_data.sh
prepare_synthetic_data "$build" "$out"

launch/run_local.sh "$ranks" "$binary" configs/quickstart.yaml \
  --set "data.manifest=$out/data/manifest.json" --set "run.dir=$out/run" \
  --set model.max_position_embeddings=32 --set train.steps=100000000 --set train.warmup_steps=10 \
  --set train.log_every=100 --set checkpoint.every=500 --set checkpoint.keep_last=2 \
  --set eval.split=valid --set eval.every=2000 >"$out/train.log" 2>&1 &
launcher=$!

echo "seconds,pid,rss_kib,fds,threads" >"$out/samples.csv"
start=$(date +%s)
end=$((start + ${minutes%.*} * 60))
if [[ $minutes == *.* ]]; then end=$((start + $(awk "BEGIN{print int($minutes * 60)}"))); fi
while (($(date +%s) < end)) && kill -0 "$launcher" 2>/dev/null; do
  now=$(($(date +%s) - start))
  for pid in $(pgrep -f "^$binary" || true); do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    [[ -n $rss ]] && echo "$now,$pid,$rss,$fds,$threads" >>"$out/samples.csv"
  done
  sleep 10
done
# SIGUSR1 to mpirun reaches every rank (SIGTERM would make mpirun end them itself).
kill -USR1 "$launcher" 2>/dev/null || true
status=0
wait "$launcher" || status=$?
[[ $status == 75 ]] || { echo "the run ended with status $status, expected 75 (stopped):" >&2; tail -20 "$out/train.log" >&2; exit 1; }

/usr/bin/python3 bench/soak_report.py "$out" "$minutes" "$ranks"
