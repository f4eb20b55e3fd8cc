#!/usr/bin/env bash
# An [lstm] against a vanilla [rnn] of the same parameter count
# (bench/lstm_vs_rnn.{lstm,rnn}.train.cfg: 2 x [lstm] 128 and 2 x [rnn] 224,
# both with batch norm, adam 0.002 and no weight decay), each trained for the same number of batches
# of 32 x 64 characters on tinyshakespeare less its last 100,000 bytes, then
# measured with the program's `valid` on those 100,000 held-out bytes.
# Usage: bench/lstm_vs_rnn.sh [BATCHES (default 4000)] [WORKDIR]
# RNNC=path/to/rnnc uses that rnnc instead of building ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
batches=${1:-4000}
data=../shared/data/tinyshakespeare.txt
if [ ! -f "$data" ]; then
  echo "bench/lstm_vs_rnn.sh: skipped, $data is absent (the corpus lives in ../shared/data)"
  exit 0
fi
rnnc=${RNNC:-}
if [ -z "$rnnc" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j"$(nproc)" >/dev/null
  rnnc=./build/rnnc
fi
if [ -n "${2:-}" ]; then w=$2; mkdir -p "$w"; else w=$(mktemp -d); trap 'rm -rf "$w"' EXIT; fi
t_start=$(date +%s)
heldout=100000
size=$(wc -c < "$data")
head -c $((size - heldout)) "$data" > "$w/train.txt"
tail -c $heldout "$data" > "$w/heldout.txt"

declare -A params seconds loss bpc
for kind in lstm rnn; do
  cfg=bench/lstm_vs_rnn.$kind.train.cfg
  # The batch-1 twin for `valid`: the same model, one stream of one step.
  sed -e 's/^batch *=.*/batch=1/' -e 's/^time_steps *=.*/time_steps=1/' "$cfg" > "$w/$kind.cfg"
  "$rnnc" "$cfg" -o "$w/${kind}_train" 2>/dev/null
  "$rnnc" "$w/$kind.cfg" -o "$w/$kind" 2>/dev/null
  echo "training $cfg for $batches batches" >&2
  start=$(date +%s)
  "$w/${kind}_train" train -file "$w/train.txt" -srand 1 -max_batches "$batches" -backup "$w/backup_$kind" \
    > "$w/$kind.train.log" 2>&1
  seconds[$kind]=$(($(date +%s) - start))
  params[$kind]=$(sed -n 's/.*; \([0-9]*\) parameters.*/\1/p' "$w/$kind.train.log" | head -1)
  loss[$kind]=$(awk -F', ' '/ avg,/ { split($2, a, " "); v = a[1] } END { print v }' "$w/$kind.train.log")
  weights=$(ls "$w/backup_$kind"/*_final.weights)
  bpc[$kind]=$("$w/$kind" valid "$weights" < "$w/heldout.txt" 2>/dev/null | tail -1 | awk '{ print $3 }')
done

diff=$(awk -v a="${params[lstm]}" -v b="${params[rnn]}" 'BEGIN { d = (a - b) / b * 100; printf "%+.1f%%", d }')
echo
echo "lstm_vs_rnn, $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2 }')"
echo "$batches batches of 32 x 64 characters each, adam 0.002 without weight decay; held-out BPC on the last $heldout bytes of tinyshakespeare"
echo "parameters: lstm ${params[lstm]}, rnn ${params[rnn]} (lstm $diff); whole run $(($(date +%s) - t_start)) s"
echo
echo "| model | parameters | batches | train time | final avg loss (nats/char) | held-out BPC |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
echo "| 2 x [lstm] 128 (bench/lstm_vs_rnn.lstm.train.cfg) | ${params[lstm]} | $batches | ${seconds[lstm]} s | ${loss[lstm]} | ${bpc[lstm]} |"
echo "| 2 x [rnn] 224 (bench/lstm_vs_rnn.rnn.train.cfg) | ${params[rnn]} | $batches | ${seconds[rnn]} s | ${loss[rnn]} | ${bpc[rnn]} |"
