#!/usr/bin/env bash
# rnnc on an NVIDIA GPU against PyTorch on the same GPU, measured in one run,
# as ratios. Runs in a pack from scripts/gpu-pack.sh (the GPU machine has no
# network and no rnnc: the programs are the pack's emitted projects), after
# gpu-check.sh has built them; gpu-check.sh calls it last.
# Usage: bash bench/gpu.sh PACK [LOGDIR]
#   generate cfg/rnn.cfg, batch 1, chars/s           vs PyTorch eager, same model   (targets >= 50,000, >= 20x)
#   generate cfg/rnn.cfg -n 1024, total chars/s      vs PyTorch, 1024 streams        (>= 3x)
#   train cfg/rnn.train.cfg, chars/s and ms/batch    vs PyTorch eager and torch.compile
#   train cfg/lstm.train.cfg, chars/s and ms/batch   vs nn.LSTM (cuDNN)
# Without a GPU it says so in one line and exits 0; without PyTorch (or its
# CUDA) the PyTorch columns say n/a. Logs in LOGDIR (default PACK/logs/bench).
set -uo pipefail
pack=$(cd "${1:?usage: bench/gpu.sh PACK [LOGDIR]}" && pwd)
logs=${2:-$pack/logs/bench}
mkdir -p "$logs"
logs=$(cd "$logs" && pwd)
if ! { command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; }; then
  echo "bench/gpu.sh: no NVIDIA GPU (nvidia-smi -L): nothing measured"
  exit 0
fi
export CUDACXX=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
cd "$pack" || exit 2
corpus=$pack/data/corpus.txt
[ -f "$corpus" ] || corpus=$pack/data/valid.txt
now() { date +%s.%N; }
# chars/s of a generating command at steady state: CHARS over (time at LEN) - (time at -len 10).
steady() {
  local chars=$1 len=$2 t0 t1 t2
  shift 2
  t0=$(now); "$@" -len 10 > /dev/null 2>> "$logs/generate.err"
  t1=$(now); "$@" -len "$len" > /dev/null 2>> "$logs/generate.err"
  t2=$(now)
  awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$chars" 'BEGIN { d = (c - b) - (b - a); if (d <= 0) d = .001; printf "%.0f", n / d }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1fx", a / b; else print "-" }'; }
program() { find "$1/build" -maxdepth 1 -type f -perm -u+x 2>/dev/null | head -1; }
build() {  # build PROJECT_DIR: the program, building it where gpu-check.sh has not
  local exe
  exe=$(program "$1")
  if [ -z "$exe" ]; then
    { cmake -S "$1" -B "$1/build" -DCMAKE_BUILD_TYPE=Release && cmake --build "$1/build" -j 8; } \
      > "$logs/build-$(basename "$1").log" 2>&1
    exe=$(program "$1")
  fi
  echo "$exe"
}
# rnnc's training: the median seconds of the batches after the first (darknet's per-batch line), as
# "chars/s ms/batch", or why not; at most LIMIT seconds (train runs on the CPU where the GPU has no
# training yet, and cfg/rnn.train.cfg's batch is 128 x 576 characters).
train_rnnc() {  # EXE BATCHES CHARS_PER_BATCH LIMIT NAME
  local exe=$1 batches=$2 chars=$3 limit=$4 name=$5 rc=0
  [ -n "$exe" ] || { echo "build failed"; return; }
  rm -rf "$logs/backup-$name"; mkdir -p "$logs/backup-$name"
  timeout "$limit" "$exe" train -file "$corpus" -srand 1 -max_batches "$batches" -backup "$logs/backup-$name" \
    > "$logs/train-$name.out" 2> "$logs/train-$name.err" || rc=$?
  local where="gpu"
  grep -q "train runs on the CPU" "$logs/train-$name.err" && where="cpu"
  local r
  r=$(awk -F', ' '/ seconds/ { n++; if (n > 1) { split($4, s, " "); print s[1] } }' "$logs/train-$name.err" | sort -g |
    awk -v c="$chars" '{ v[NR] = $1 } END { if (NR) printf "%.0f %.1f", c / v[int((NR + 1) / 2)], 1000 * v[int((NR + 1) / 2)] }')
  if [ -n "$r" ]; then echo "$r $where"
  elif [ $rc = 124 ]; then echo "- - timeout-${limit}s-$where"
  else echo "- - failed-$where"; fi
}

gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
py=""
for p in python3 python; do
  "$p" -c "import torch; assert torch.cuda.is_available()" 2> /dev/null && { py=$p; break; }
done
torch_version=n/a
[ -n "$py" ] && torch_version=$("$py" -c "import torch; print(torch.__version__)")
torch() {  # the PyTorch twin's figure, or n/a
  [ -n "$py" ] || { echo "n/a"; return; }
  local out
  out=$(timeout 120 "$py" bench/torch_rnn.py "$corpus" --device cuda "$@" 2>> "$logs/torch.err" | tail -1)
  [ -n "$out" ] && echo "$out" || echo "n/a"
}

# generate, cfg/rnn.cfg (scrambled weights: the speed does not depend on them)
rnn=$(build "$pack/projects/rnn")
g1=- gn=- path=-
if [ -n "$rnn" ]; then
  "$rnn" init "$logs/rnn.weights" -srand 1 -scramble 2> /dev/null
  "$rnn" generate "$logs/rnn.weights" -len 1 2>&1 > /dev/null | head -1 > "$logs/rnn-model-line.txt"
  path=$(grep -o "persistent[^,]*\|per-step kernels" "$logs/rnn-model-line.txt" | head -1)
  g1=$(steady 20000 20010 "$rnn" generate "$logs/rnn.weights" -srand 1)
  gn=$(steady $((1024 * 200)) 210 "$rnn" generate "$logs/rnn.weights" -srand 1 -n 1024)
fi
t1=$(torch --mode generate --hidden 1024 --samples 1 --len 2000)
tn=$(torch --mode generate --hidden 1024 --samples 1024 --len 200)

# train: cfg/rnn.train.cfg (128 x 576 characters a batch) and cfg/lstm.train.cfg (32 x 64)
rt=$(train_rnnc "$(build "$pack/bench/projects/rnn-train")" 4 $((128 * 576)) 60 rnn)
lt=$(train_rnnc "$(build "$pack/bench/projects/lstm-train")" 30 $((32 * 64)) 40 lstm)
te=$(torch --mode train --hidden 1024 --layers 3 --streams 128 --steps 576 6)
tc=$(torch --mode train --hidden 1024 --layers 3 --streams 128 --steps 576 --compile 6)
tl=$(torch --mode lstm 20)

col() { echo "$1" | awk -v i="$2" '{ print ($i == "" ? "-" : $i) }'; }
echo
echo "rnnc GPU bench, $(date +%F), $gpu; PyTorch $torch_version (bench/torch_rnn.py, eager unless named); logs: $logs"
echo "cfg/rnn.cfg generates on: ${path:-?}"
printf '| %-46s | %12s | %12s | %8s | %10s |\n' figure rnnc PyTorch ratio target
printf '|%s|%s|%s|%s|%s|\n' "------------------------------------------------" "--------------" "--------------" "----------" "------------"
printf '| %-46s | %12s | %12s | %8s | %10s |\n' "generate cfg/rnn.cfg, batch 1, chars/s" "$g1" "$t1" "$(ratio "$g1" "$t1")" ">= 20x"
printf '| %-46s | %12s | %12s | %8s | %10s |\n' "generate cfg/rnn.cfg, -n 1024, total chars/s" "$gn" "$tn" "$(ratio "$gn" "$tn")" ">= 3x"
printf '| %-46s | %12s | %12s | %8s | %10s |\n' "train rnn.train.cfg ($(col "$rt" 3)), chars/s" "$(col "$rt" 1)" "$(col "$te" 1)" \
  "$(ratio "$(col "$rt" 1)" "$(col "$te" 1)")" "-"
printf '| %-46s | %12s | %12s | %8s | %10s |\n' "train rnn.train.cfg, ms/batch" "$(col "$rt" 2)" "$(col "$te" 2)" \
  "$(ratio "$(col "$te" 2)" "$(col "$rt" 2)")" "-"
printf '| %-46s | %12s | %12s | %8s | %10s |\n' "  vs torch.compile, chars/s" "$(col "$rt" 1)" "$(col "$tc" 1)" \
  "$(ratio "$(col "$rt" 1)" "$(col "$tc" 1)")" "-"
printf '| %-46s | %12s | %12s | %8s | %10s |\n' "train lstm.train.cfg ($(col "$lt" 3)) vs nn.LSTM, chars/s" "$(col "$lt" 1)" \
  "$(col "$tl" 1)" "$(ratio "$(col "$lt" 1)" "$(col "$tl" 1)")" "-"
printf '| %-46s | %12s | %12s | %8s | %10s |\n' "train lstm.train.cfg, ms/batch" "$(col "$lt" 2)" "$(col "$tl" 2)" \
  "$(ratio "$(col "$tl" 2)" "$(col "$lt" 2)")" "-"
awk -v g="$g1" 'BEGIN { exit !(g + 0 >= 50000) }' && echo "batch-1 target (>= 50,000 chars/s): met" ||
  echo "batch-1 target (>= 50,000 chars/s): not met ($g1)"
