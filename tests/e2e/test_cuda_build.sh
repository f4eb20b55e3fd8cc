#!/usr/bin/env bash
# rnnc --cuda where there is no GPU (CI has nvcc and no device): the program
# holds the CPU path, says in one line that it runs there, and prints exactly
# what the CPU build prints. One cfg with every layer kind (every kind's .cuh
# compiles), fused and plain (--no-fuse: every op name). A --cuda build costs
# ~50% more CPU than a CPU build (nvcc ~6 s on the GPU unit, beside the CPU
# unit's ~12 s), so one of them, and nvcc alone on the plain variant; and a
# small training cfg built both ways, for train's CPU fallback.
source "$(dirname "$0")/lib.sh"
CFG=$SRC/tests/e2e/cuda/every-kind.cfg

# Without nvcc, --cuda fails in one line and writes nothing.
CUDACXX=/nonexistent/nvcc expect_error 'CUDACXX is /nonexistent/nvcc' "$RNNC" "$CFG" --cuda -o nope
[ ! -e nope ] || fail "a failed --cuda build wrote a program"
[ "$(wc -l < err.txt)" = 1 ] || fail "the missing nvcc takes one line"
# --emit-only --cuda: a CUDA CMake project (building it takes another nvcc run: scripts/gpu-pack.sh does);
# emitting needs no nvcc.
CUDACXX=/nonexistent/nvcc "$RNNC" "$CFG" --cuda --emit-only emitted 2>/dev/null || fail "--emit-only --cuda"
for f in program.cpp program.cu CMakeLists.txt rnnc/cuda/program.cuh rnnc/layers/lstm.cuh; do
  [ -f "emitted/$f" ] || fail "--emit-only --cuda lacks $f"
done
grep -q "LANGUAGES CXX CUDA" emitted/CMakeLists.txt || fail "the CMakeLists should enable CUDA"
! grep -qi "fmt\|clang\|doctest" emitted/CMakeLists.txt || fail "the CMakeLists should need the CUDA Toolkit only"
nvcc=${CUDACXX:-$(command -v nvcc || true)}
[ -n "$nvcc" ] || [ ! -x /usr/local/cuda/bin/nvcc ] || nvcc=/usr/local/cuda/bin/nvcc
if [ -z "$nvcc" ]; then
  echo "SKIP: no nvcc (CUDA Toolkit) here: checked only that --cuda says so"
  exit 77
fi

compile "$CFG" cpu
# Through a wrapper script, as some machines put nvcc on the PATH (/usr/local/bin/nvcc running the
# toolkit's): no link leads from it to the toolkit, so rnnc must ask nvcc where its root is.
mkdir -p wrapper/bin
printf '#!/bin/sh\nexec "%s" "$@"\n' "$(readlink -f "$nvcc")" > wrapper/bin/nvcc
chmod +x wrapper/bin/nvcc
CUDACXX=$PWD/wrapper/bin/nvcc compile "$CFG" gpu --cuda
grep -q "with a CUDA GPU path" gpu.rnnc.log || fail "rnnc's line should name the GPU path"
./cpu init w.weights -srand 5 -scramble 2>/dev/null
corpus 2000 text.txt

# A machine with a GPU runs this with -nogpu: the CPU path either way.
nogpu=()
./gpu probs w.weights < /dev/null 2> probe.err >/dev/null || true
grep -q "no usable CUDA device" probe.err || { nogpu=(-nogpu); echo "a usable GPU is here: checking the CPU path with -nogpu"; }

same() {  # same NAME ARGS...: stdout of gpu and cpu identical; gpu's stderr says where it ran
  local name=$1
  shift
  ./cpu "$@" < text.txt > "$name.cpu" 2> "$name.cpu.err" || fail "cpu $*"
  ./gpu "$@" "${gpu_flags[@]}" "${nogpu[@]}" < text.txt > "$name.gpu" 2> "$name.gpu.err" || fail "gpu $*"
  cmp -s "$name.cpu" "$name.gpu" || fail "$*: the CUDA build's CPU fallback printed other bytes than the CPU build"
  if [ ${#nogpu[@]} = 0 ]; then
    [ "$(grep -c 'no usable CUDA device (.*): running on the CPU' "$name.gpu.err")" = 1 ] || {
      cat "$name.gpu.err" >&2; fail "$*: one line should say there is no usable CUDA device"; }
  fi
  echo "ok   $* ($(wc -c < "$name.gpu") bytes, the same)"
}
gpu_flags=()
same gen generate w.weights -srand 3 -len 300 -seed ROMEO
gpu_flags=(-i 0)  # darknet's GPU index, taken out before the CPU path reads the flags
same gen_i generate w.weights -srand 3 -len 100
gpu_flags=()
same valid valid w.weights
same probs probs w.weights
grep -q "cpu fp32 (no CUDA device)" gen.gpu.err || [ ${#nogpu[@]} = 1 ] || fail "the model line should say cpu fp32 (no CUDA device)"

# -n 3 falls back alike (this model's [lstm] and [gru] have no batch kernels on the CPU: both builds refuse it).
rc_gpu=0 rc_cpu=0
./gpu generate w.weights -srand 3 -len 50 -n 3 "${nogpu[@]}" > n3.gpu 2> n3.err || rc_gpu=$?
./cpu generate w.weights -srand 3 -len 50 -n 3 > n3.cpu 2>/dev/null || rc_cpu=$?
[ $rc_gpu = $rc_cpu ] && cmp -s n3.cpu n3.gpu || fail "-n 3 differs from the CPU build (exit $rc_gpu, $rc_cpu)"
# train: without a GPU, one line says so and the CPU trainer runs, writing the CPU build's weights byte for
# byte. (every-kind.cfg has one stream; train-sgd.cfg, with batch norm per time step, every kind that trains
# and a [dropout] drawing from the training generator, takes another pair of builds: 3 batches of it.)
TRAIN_CFG=$SRC/tests/e2e/cuda/train-sgd.cfg
compile "$TRAIN_CFG" train_cpu
CUDACXX=$PWD/wrapper/bin/nvcc compile "$TRAIN_CFG" train_gpu --cuda
./train_cpu train -file text.txt -srand 7 -max_batches 3 -backup tcpu > /dev/null 2> tcpu.err || { cat tcpu.err >&2; fail "cpu train"; }
./train_gpu train -file text.txt -srand 7 -max_batches 3 -backup tgpu "${nogpu[@]}" > /dev/null 2> tgpu.err ||
  { cat tgpu.err >&2; fail "gpu train (CPU fallback)"; }
cmp tcpu/train-sgd_final.weights tgpu/train-sgd_final.weights ||
  fail "train: the CUDA build's CPU fallback wrote other weights than the CPU build"
cmp tcpu/train-sgd_final.weights.state tgpu/train-sgd_final.weights.state || fail "train: the .state sidecars differ"
if [ ${#nogpu[@]} = 0 ]; then
  [ "$(grep -c 'no usable CUDA device (.*): running on the CPU' tgpu.err)" = 1 ] ||
    { cat tgpu.err >&2; fail "train: one line should say there is no usable CUDA device"; }
  # -precision tf32 is the GPU's alone: on the CPU, one line refuses it.
  expect_error "train: -precision is fp32 or bf16, got 'tf32'" ./train_gpu train -file text.txt -max_batches 1 -precision tf32
fi
echo "ok   train: the CPU fallback writes the CPU build's weights and .state, byte for byte"
./gpu --help > help.txt 2>&1 || fail "--help"
grep -q -- "-nogpu   run on the CPU" help.txt || fail "--help should name -i and -nogpu"
expect_error "flag -i expects the GPU's index" ./gpu generate w.weights -i x
expect_error "flag -i needs a value" ./gpu generate w.weights -i

# The plain ops (--no-fuse) have CUDA forms too: their GPU unit compiles (only
# it: the CPU unit is a CPU build's, which other tests build).
"$RNNC" "$CFG" --cuda --no-fuse --emit-only plain 2>/dev/null || fail "--no-fuse --cuda --emit-only"
"$nvcc" -std=c++17 -O0 -diag-suppress=177 -gencode=arch=compute_90,code=compute_90 -I plain -cuda plain/program.cu \
  -o plain.ii > plain.log 2>&1 || {
  cat plain.log >&2; fail "nvcc on --no-fuse's GPU unit"; }
echo "ok   --no-fuse --cuda: the GPU unit compiles"

# Every cfg in cfg/ and examples/: rnnc --cuda emits it, and nvcc takes its GPU
# unit through the front end and the device compiler to PTX (-cuda, -O0: ~5 s a
# model instead of ~14 for the full build; the CPU unit is the CPU build's,
# which test_all_cfgs compiles and Clang-checks: --no-check). Two at a time.
unit_one() {
  local cfg=$1 name
  name=all-$(basename "$(dirname "$cfg")")-$(basename "$cfg" .cfg)
  "$RNNC" "$cfg" --cuda --emit-only "$name" --no-check 2> "$name.log" &&
    "$nvcc" -std=c++17 -O0 -diag-suppress=177 -gencode=arch=compute_90,code=compute_90 -I "$name" \
      -cuda "$name/program.cu" -o "$name.ii" >> "$name.log" 2>&1 && touch "$name.ok"
}
cfgs=("$SRC"/cfg/*.cfg "$SRC"/examples/*.cfg)
two_at_a_time unit_one "${cfgs[@]}"
for cfg in "${cfgs[@]}"; do
  name=all-$(basename "$(dirname "$cfg")")-$(basename "$cfg" .cfg)
  [ -f "$name.ok" ] || { cat "$name.log" >&2; fail "rnnc --cuda / nvcc on $cfg"; }
  rm -f "$name.ii"
done
echo "ok   every cfg (${#cfgs[@]}): rnnc --cuda emits it and nvcc compiles its GPU unit"

echo "cuda build: ok"
