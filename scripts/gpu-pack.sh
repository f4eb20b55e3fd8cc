#!/usr/bin/env bash
# Usage: scripts/gpu-pack.sh OUTDIR [RNNC]
# Prepares, on a machine without a GPU, what scripts/gpu-check.sh runs on one
# (no network there, no rnnc, only the CUDA Toolkit, CMake and a C++17
# compiler): for golden tiny, lstm and gru and every cfg/*.cfg and
# examples/*.cfg at batch 1 and tests/e2e/cuda/large-rnn.cfg, the project
# `rnnc CFG --cuda --emit-only` writes (and in train/, those of
# tests/e2e/cuda/train-*.cfg, for the training checks), bench/gpu.sh with the
# training cfgs it times, and the test data (darknet's golden weights and outputs, a slice of
# tinyshakespeare). The CPU references of the cfgs' checks are computed on the
# GPU machine by the same program's CPU path (-nogpu), which is this build's
# CPU code exactly. Copy OUTDIR over, then: bash OUTDIR/gpu-check.sh
set -euo pipefail
out=${1:?usage: gpu-pack.sh OUTDIR [RNNC]}
src=$(cd "$(dirname "$0")/.." && pwd)
rnnc=${2:-$src/build/rnnc}
shared=$(cd "$src/.." && pwd)/shared
[ -x "$rnnc" ] || { echo "gpu-pack: no rnnc at $rnnc (build it, or name it)" >&2; exit 2; }
[ -d "$shared/golden" ] || { echo "gpu-pack: $shared/golden is absent (darknet's golden outputs)" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out/projects" "$out/golden" "$out/data"
cp "$src/scripts/gpu-check.sh" "$src/scripts/gpu-train-check.sh" "$out/"
for m in tiny lstm gru; do
  cp -r "$shared/golden/$m" "$out/golden/$m"
  "$rnnc" "$shared/golden/$m/$m.cfg" --cuda --emit-only "$out/projects/golden-$m" 2>/dev/null ||
    { echo "gpu-pack: rnnc failed on golden $m" >&2; exit 1; }
  echo "golden/$m/$m.weights" > "$out/projects/golden-$m/weights.path"
done
cp "$shared/golden/check-generate.sh" "$out/golden/"
for cfg in "$src"/cfg/*.cfg "$src"/examples/*.cfg; do
  case $cfg in *.train.cfg) continue ;; esac
  name=$(basename "$cfg" .cfg)
  "$rnnc" "$cfg" --cuda --emit-only "$out/projects/$name" 2>/dev/null || { echo "gpu-pack: rnnc failed on $cfg" >&2; exit 1; }
done
# A model too large for the chip: generate falls back to the per-step kernels (checked with less text: quick).
"$rnnc" "$src/tests/e2e/cuda/large-rnn.cfg" --cuda --emit-only "$out/projects/large-rnn" 2>/dev/null ||
  { echo "gpu-pack: rnnc failed on large-rnn.cfg" >&2; exit 1; }
touch "$out/projects/large-rnn/quick"
# The bench (bench/gpu.sh, run by gpu-check.sh after its checks): the training cfgs it times, PyTorch's twin
# of the models, the corpus.
mkdir -p "$out/bench/projects"
cp "$src/bench/gpu.sh" "$src/bench/torch_rnn.py" "$out/bench/"
for cfg in rnn.train lstm.train; do
  "$rnnc" "$src/cfg/$cfg.cfg" --cuda --emit-only "$out/bench/projects/${cfg%.train}-train" 2>/dev/null ||
    { echo "gpu-pack: rnnc failed on cfg/$cfg.cfg" >&2; exit 1; }
done
cp "$shared/data/tinyshakespeare.txt" "$out/data/corpus.txt"
# GPU training (gpu-train-check.sh): its cfgs' projects, a training text and the held-out one (valid.txt).
mkdir -p "$out/train"
for cfg in "$src"/tests/e2e/cuda/train-*.cfg; do
  name=$(basename "$cfg" .cfg)
  "$rnnc" "$cfg" --cuda --emit-only "$out/train/$name" 2>/dev/null || { echo "gpu-pack: rnnc failed on $cfg" >&2; exit 1; }
done
head -c 200000 "$shared/data/tinyshakespeare.txt" > "$out/data/train.txt"
head -c 3000 "$shared/data/tinyshakespeare.txt" > "$out/data/probs.txt"
tail -c 10000 "$shared/data/tinyshakespeare.txt" > "$out/data/valid.txt"
git -C "$src" rev-parse --short=12 HEAD > "$out/commit" 2>/dev/null || echo unknown > "$out/commit"
echo "gpu-pack: $(ls "$out/projects" | wc -l) projects in $out ($(du -sh "$out" | cut -f1)); on the GPU machine: bash $out/gpu-check.sh"
