#!/usr/bin/env bash
# Trains golden/tiny's model (3 x [rnn] 96) for its 3,000 batches on
# tinyshakespeare, as darknet did, and prints the final average loss next to
# darknet's (2.06) and the target (<= 2.15), plus the held-out BPC.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
[ -d "$shared/golden/tiny" ] || { echo "bench/train_tiny.sh: needs ../shared (golden/tiny, data/)"; exit 0; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j"$(nproc)" >/dev/null
w=${1:-$(mktemp -d)}
./build/rnnc "$shared/golden/tiny/tiny.train.cfg" -o "$w/tiny_train" 2>/dev/null
./build/rnnc "$shared/golden/tiny/tiny.cfg" -o "$w/tiny" 2>/dev/null
start=$(date +%s)
"$w/tiny_train" train -file "$shared/data/tinyshakespeare.txt" -srand 1 -backup "$w/backup" 2>"$w/train.log"
end=$(date +%s)
avg=$(awk -F', ' '/ avg,/ { split($2, a, " "); v = a[1] } END { print v }' "$w/train.log")
bpc=$("$w/tiny" valid "$w/backup/tiny_final.weights" < "$shared/golden/tiny/heldout.txt" 2>/dev/null | tail -1 | awk '{ print $3 }')
dk_bpc=$(tail -1 "$shared/golden/tiny/valid.out" | awk '{ print $3 }')
echo "tiny.train.cfg, 3000 batches of 16 x 64 in $((end - start)) s"
echo "| figure | darknet | rnnc | target |"
echo "| --- | --- | --- | --- |"
echo "| average loss after 3000 batches (nats/char) | 2.06 | $avg | <= 2.15 |"
echo "| held-out BPC (golden/tiny/heldout.txt) | $dk_bpc | $bpc | - |"
