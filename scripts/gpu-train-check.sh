#!/usr/bin/env bash
# Usage: gpu-train-check.sh PROGRAM TEXT HELDOUT WORKDIR
# GPU training of a --cuda program against its own CPU trainer (-nogpu), on a
# machine with a GPU (tests/e2e/test_gpu_cuda.sh and scripts/gpu-check.sh run it):
#   step    one batch from the same weights, GPU and CPU: every number of the
#           weights file within 1e-4 relative (or 1e-6 absolute, for values near 0)
#   falls   $TRAIN_BATCHES (300) batches on the GPU: the final average loss below 85% of the first batch's
#   repeat  a second run with the same -srand writes byte-identical weights
#   resume  SIGINT part-way, then resume from the backup: byte-identical to the uninterrupted run
#   tf32, bf16  held-out bits per character within 0.02 of the fp32 run's
# Prints one line per check ("ok   ..." or "FAIL ..."); logs and weights stay in WORKDIR.
# Exits 1 if any check failed, 77 where the program finds no usable GPU (GPU_CHECK_ON_CPU=1
# runs the checks anyway, on the CPU fallback: a dry run of this script, not of the GPU).
set -uo pipefail
exe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
text=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
heldout=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
work=$4
batches=${TRAIN_BATCHES:-300}
mkdir -p "$work"
cd "$work" || exit 2
rm -rf -- step-* falls* repeat* resume* tf32* bf16* ./*.log
fails=0
say() { echo "$1"; case $1 in FAIL*) fails=$((fails + 1)) ;; esac; }

"$exe" init init.weights -srand 11 > init.log 2>&1 || { echo "FAIL init: see $work/init.log"; exit 1; }
"$exe" train init.weights -file "$text" -srand 3 -max_batches 1 -backup step-gpu > step-gpu.log 2>&1
if grep -q "no usable CUDA device" step-gpu.log && [ -z "${GPU_CHECK_ON_CPU:-}" ]; then
  echo "SKIP: $(grep -m1 'no usable CUDA device' step-gpu.log)"
  exit 77
fi
on_gpu=1
grep -q "; cuda fp32, " step-gpu.log || on_gpu=0
[ $on_gpu = 1 ] || [ -n "${GPU_CHECK_ON_CPU:-}" ] || say "FAIL the model line should name the GPU (see $work/step-gpu.log)"

# Largest relative difference of two weights files, float by float (the header's integers compare equal as bytes).
weights_close() {
  paste -d'\n' <(od -An -v -f "$1" | tr -s ' ' '\n' | sed '/^$/d') <(od -An -v -f "$2" | tr -s ' ' '\n' | sed '/^$/d') |
    awk 'NR % 2 == 1 { a = $1; next }
      { n++; d = a - $1; if (d < 0) d = -d; m = (a < 0 ? -a : a); b = ($1 < 0 ? -$1 : $1); if (b > m) m = b
        if (d > 1e-6 && m > 0 && d / m > worst) worst = d / m; if (d > 1e-6 && d > 1e-4 * m) bad++ }
      END { printf "%d numbers, worst relative %.3g", n, worst; exit (bad > 0 || n == 0) }'
}
base() { ls "$1"/*_final.weights 2>/dev/null | head -1; }

# step: one batch from init.weights, GPU against CPU.
"$exe" train init.weights -file "$text" -srand 3 -max_batches 1 -backup step-cpu -nogpu > step-cpu.log 2>&1
g=$(base step-gpu) c=$(base step-cpu)
if [ -n "$g" ] && [ -n "$c" ]; then
  r=$(weights_close "$g" "$c") && say "ok   step: one batch, GPU vs CPU trainer: $r" || say "FAIL step: one batch, GPU vs CPU: $r"
else
  say "FAIL step: no final weights (see $work/step-gpu.log, step-cpu.log)"
fi

# falls: the loss over $batches batches.
t0=$(date +%s.%N)
"$exe" train -file "$text" -srand 5 -max_batches "$batches" -backup falls > falls.log 2>&1
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
first=$(sed -nE 's/^1: ([0-9.]+),.*/\1/p' falls.log)
last=$(sed -nE "s/^$batches: [0-9.]+, ([0-9.]+) avg.*/\\1/p" falls.log)
if [ -n "$first" ] && [ -n "$last" ] && awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < .85 * a) }'; then
  say "ok   falls: loss $first at batch 1, $last avg at batch $batches ($secs s)"
else
  say "FAIL falls: loss '$first' at batch 1, '$last' avg at batch $batches (see $work/falls.log)"
fi
ref=$(base falls)

# repeat: the same run again, byte for byte.
"$exe" train -file "$text" -srand 5 -max_batches "$batches" -backup repeat > repeat.log 2>&1
if [ -n "$ref" ] && cmp -s "$ref" "$(base repeat)"; then say "ok   repeat: two runs, identical weights"
else say "FAIL repeat: two runs with -srand 5 wrote different weights"; fi

# resume: SIGINT once batch $batches/10 + 1 is logged, then resume from the backup.
"$exe" train -file "$text" -srand 5 -max_batches "$batches" -backup resume < /dev/null > resume.log 2>&1 &
pid=$!
at=$((batches / 10 + 1))
for _ in $(seq 1 3000); do
  grep -qE "^$at: " resume.log 2>/dev/null && break
  sleep 0.01
done
kill -INT $pid 2>/dev/null
wait $pid
stop=$(sed -nE 's/^stopped at batch ([0-9]+);.*/\1/p' resume.log)
backup=$(ls resume/*.backup 2>/dev/null | head -1)
if [ -z "$stop" ] || [ -z "$backup" ]; then
  say "FAIL resume: the run was not stopped by SIGINT with a backup (see $work/resume.log)"
else
  "$exe" train "$backup" -file "$text" -max_batches "$batches" -backup resume > resume2.log 2>&1
  if [ -n "$ref" ] && cmp -s "$ref" "$(base resume)"; then say "ok   resume: SIGINT at batch $stop, resumed: identical weights"
  else say "FAIL resume: SIGINT at batch $stop and resumed: the weights differ (see $work/resume2.log)"; fi
fi

# tf32 and bf16: held-out BPC against fp32's.
bpc() { "$exe" valid "$1" < "$heldout" 2>/dev/null | tail -1 | awk '{ print $3 }'; }
b32=$(bpc "$ref")
for p in tf32 bf16; do
  if [ $on_gpu = 0 ] && [ $p = tf32 ]; then say "ok   tf32: n/a on the CPU"; continue; fi
  "$exe" train -file "$text" -srand 5 -max_batches "$batches" -backup "$p" -precision $p > "$p.log" 2>&1
  w=$(base "$p")
  bp=$([ -n "$w" ] && bpc "$w")
  if [ -n "$bp" ] && [ -n "$b32" ] && awk -v a="$bp" -v b="$b32" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= .02) }'; then
    say "ok   $p: held-out BPC $bp (fp32 $b32)"
  else
    say "FAIL $p: held-out BPC '$bp' against fp32's '$b32' (see $work/$p.log)"
  fi
done
[ $fails = 0 ]
