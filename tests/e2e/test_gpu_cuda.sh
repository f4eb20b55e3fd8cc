#!/usr/bin/env bash
# The GPU path on a GPU (ctest label `gpu`; skipped, saying so, where there is
# no nvcc or no NVIDIA device): darknet's golden text for tiny, lstm and gru,
# and per model (those three and one with every kind) the GPU's probabilities
# within 1e-5 of the CPU path's (-nogpu, the same program) and valid's BPC
# within 1e-4, and generate -n 4's first sample against -n 1. Generate runs
# in the persistent kernel (cuda/persistent.cuh): its text must be the CPU
# path's byte for byte for every cfg, and a model too large for the chip
# falls back to the per-step kernels, saying so, with the same text. Training
# (scripts/gpu-train-check.sh, on tests/e2e/cuda/train-sgd.cfg and
# train-adam.cfg): one batch GPU vs CPU trainer within 1e-4 relative, the
# loss falls over 300 batches, two runs and a SIGINT + resume write identical
# weights, tf32 and bf16 reach fp32's held-out BPC within 0.02.
# scripts/gpu-check.sh runs the same checks on every cfg from projects emitted elsewhere.
source "$(dirname "$0")/lib.sh"
nvcc=${CUDACXX:-$(command -v nvcc || true)}
[ -n "$nvcc" ] || [ ! -x /usr/local/cuda/bin/nvcc ] || nvcc=/usr/local/cuda/bin/nvcc
[ -n "$nvcc" ] || { echo "SKIP: no nvcc (CUDA Toolkit) here"; exit 77; }
if ! { command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; } && ! ls /dev/nvidia[0-9]* >/dev/null 2>&1; then
  echo "SKIP: no NVIDIA GPU found (nvidia-smi -L, /dev/nvidia*)"
  exit 77
fi
need_shared
corpus 3000 text.txt

# check NAME WEIGHTS: GPU against CPU on text.txt.
check() {
  local name=$1 w=$2
  ./"$name" probs "$w" < /dev/null > /dev/null 2> probe.err
  if grep -q "no usable CUDA device" probe.err; then
    echo "SKIP: $(cat probe.err)"
    exit 77
  fi
  ./"$name" probs "$w" < text.txt > "$name.gpu" 2>/dev/null || fail "$name probs on the GPU"
  ./"$name" probs "$w" -nogpu < text.txt > "$name.cpu" 2>/dev/null || fail "$name probs on the CPU"
  local md
  md=$(paste -d'\n' <(tr -s ' ' '\n' < "$name.gpu") <(tr -s ' ' '\n' < "$name.cpu") |
    awk 'NR % 2 == 1 { a = $1; next } { d = a - $1; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.3g", m }')
  awk -v m="$md" 'BEGIN { exit !(m <= 1e-5) }' || fail "$name: probabilities differ by $md (> 1e-5)"
  local bg bc
  bg=$(./"$name" valid "$w" < text.txt 2>/dev/null | tail -1 | awk '{ print $3 }')
  bc=$(./"$name" valid "$w" -nogpu < text.txt 2>/dev/null | tail -1 | awk '{ print $3 }')
  awk -v a="$bg" -v b="$bc" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 1e-4) }' ||
    fail "$name: valid BPC $bg on the GPU, $bc on the CPU"
  ./"$name" generate "$w" -len 20 2>&1 >/dev/null | grep -q "; cuda fp32, " || fail "$name: the model line should name the GPU"
  echo "ok   $name: probabilities within $md, BPC $bg (CPU $bc)"
}

# same_text NAME WEIGHTS PATH [generate flags]: the GPU's generate prints the CPU path's bytes, on PATH
# ("persistent" or "per-step kernels", as the model line names it).
same_text() {
  local name=$1 w=$2 path=$3
  shift 3
  ./"$name" generate "$w" "$@" > "$name.gen.gpu" 2> "$name.gen.err" || { cat "$name.gen.err" >&2; fail "$name generate $*"; }
  ./"$name" generate "$w" "$@" -nogpu > "$name.gen.cpu" 2>/dev/null || fail "$name generate $* -nogpu"
  grep -q "; cuda fp32, .*, $path" "$name.gen.err" || { cat "$name.gen.err" >&2; fail "$name generate $*: not on $path"; }
  cmp -s "$name.gen.gpu" "$name.gen.cpu" || fail "$name generate $*: the GPU's text differs from the CPU's ($path)"
  echo "ok   $name generate $*: the CPU's text, $(wc -c < "$name.gen.gpu") bytes ($path)"
}

for m in tiny lstm gru; do
  compile "$SHARED/golden/$m/$m.cfg" "$m" --cuda
  check "$m" "$SHARED/golden/$m/$m.weights"
  same_text "$m" "$SHARED/golden/$m/$m.weights" persistent -srand 7 -len 2000 -seed ROMEO -temp .8
  out=$("$SHARED/golden/check-generate.sh" "./$m" "$m")
  echo "$out" | tail -1 | grep -q " 0 failed" || { echo "$out"; fail "golden $m on the GPU"; }
  echo "ok   golden $m: $(echo "$out" | tail -1)"
done
compile "$SRC/tests/e2e/cuda/every-kind.cfg" every --cuda
./every init every.weights -srand 2 -scramble 2>/dev/null
check every every.weights
# -n 4 runs the same kernels over 4 samples: sample 0 is -n 1's text, byte for byte.
./every generate every.weights -srand 4 -len 300 > n1.txt 2>/dev/null || fail "generate -n 1"
./every generate every.weights -srand 4 -len 300 -n 4 2> n4.err | head -c "$(wc -c < n1.txt)" > n4.txt
cmp -s n1.txt n4.txt || fail "generate -n 4's first sample differs from -n 1's text on the GPU"
grep -q "; cuda fp32, " n4.err || fail "-n 4 should run on the GPU"
echo "ok   -n 4 on the GPU: sample 0 is -n 1's text"
grep -q ", persistent" n4.err || fail "-n 4 should run in the persistent kernel"
# Other seeds, temperatures and flags; -utf8 samples on the host (the per-step kernels).
same_text every every.weights persistent -srand 5 -len 1000 -seed "The " -temp 1.3
same_text every every.weights "per-step kernels" -srand 5 -len 300 -utf8

# Every cfg with a fixed seed (scrambled weights: all of a model's rows matter).
for cfg in "$SRC"/cfg/*.cfg; do
  case $cfg in *.train.cfg) continue ;; esac
  name=cfg-$(basename "$cfg" .cfg)
  compile "$cfg" "$name" --cuda
  ./"$name" init "$name.weights" -srand 3 -scramble 2>/dev/null || fail "$name init"
  same_text "$name" "$name.weights" persistent -srand 11 -len 500
done
# -n 8 on cfg/rnn.cfg (a tile of 8 samples): sample 0 is -n 1's text.
./cfg-rnn generate cfg-rnn.weights -srand 11 -len 500 > rnn1.txt 2>/dev/null
./cfg-rnn generate cfg-rnn.weights -srand 11 -len 500 -n 8 2>/dev/null | head -c "$(wc -c < rnn1.txt)" > rnn8.txt
cmp -s rnn1.txt rnn8.txt || fail "cfg/rnn.cfg: generate -n 8's first sample differs from -n 1's text"
echo "ok   cfg/rnn.cfg -n 8: sample 0 is -n 1's text"

# Too large for the chip: the per-step kernels, the same text.
compile "$SRC/tests/e2e/cuda/large-rnn.cfg" large --cuda
./large init large.weights -srand 3 -scramble 2>/dev/null || fail "large init"
same_text large large.weights "per-step kernels" -srand 11 -len 100

# Training on the GPU against the CPU trainer.
corpus 200000 train.txt
tail -c 10000 "$SHARED/data/tinyshakespeare.txt" > heldout.txt
for c in sgd adam; do
  compile "$SRC/tests/e2e/cuda/train-$c.cfg" "train_$c" --cuda
  bash "$SRC/scripts/gpu-train-check.sh" "./train_$c" train.txt heldout.txt "train-$c" | sed "s/^/train-$c: /" ||
    fail "GPU training of train-$c.cfg (logs: the checks' lines above)"
done
echo "gpu: ok"
