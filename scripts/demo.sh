#!/usr/bin/env bash
# The main job on a built-in default: install what is missing, build rnnc,
# compile a char-RNN, train it briefly on text every Debian machine has, and
# generate from it. Everything it writes goes to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"

text=/usr/share/common-licenses/GPL-3
if [ ! -s "$text" ]; then  # not Debian: our own sources are text too
  mkdir -p out && cat README.md compiler/*/*.cpp runtime/rnnc/*.h > out/corpus.txt && text=out/corpus.txt
fi
mkdir -p out
./build/rnnc examples/demo.train.cfg -o out/demo_train
./build/rnnc examples/demo.cfg -o out/demo
echo "== training on $text for ${DEMO_BATCHES:-600} batches"
out/demo_train train -file "$text" -srand 1 -max_batches "${DEMO_BATCHES:-600}" -backup out/backup 2>&1 |
  awk 'NR % 50 == 0 || /Saving|error/'
echo "== generating from out/backup/demo_final.weights"
out/demo generate out/backup/demo_final.weights -srand 0 -seed "The " -len 400
echo "== the loss curve: out/backup/demo.loss.svg (numbers: out/backup/demo.loss.tsv)"
