#!/usr/bin/env bash
# Usage: bash gpu-check.sh [LOGDIR]   (in a folder written by scripts/gpu-pack.sh)
# On a machine with an NVIDIA GPU, no network, and only the CUDA Toolkit,
# CMake and a C++17 compiler: builds every project of the pack, then per model
# checks the GPU path against the same program's CPU path (-nogpu):
#   probs  per-character probabilities, largest |GPU - CPU| <= 1e-5
#   valid  the final bits per character, |GPU - CPU| <= 1e-4
#   golden darknet's generate outputs (golden tiny, lstm, gru): check-generate.sh
#   -n     generate -n 4's first sample is generate -n 1's text (the same kernels over 4 samples)
#   text   generate's text on the GPU is the CPU path's, byte for byte, and the path it took: the
#          persistent kernel, or the per-step kernels for a model too large for the chip (large-rnn)
#   speed  generate -len 3000 on the GPU and on the CPU, chars/s
# and prints one table; then per training project (train/: GPU training against
# the CPU trainer, gpu-train-check.sh) one line per check: step (one batch
# within 1e-4), falls (300 batches), repeat, resume (SIGINT), tf32, bf16 (held-out
# BPC within 0.02 of fp32). Everything else goes to LOGDIR (default: logs/ here).
# Then, where the pack has it, bench/gpu.sh: rnnc against PyTorch on this GPU (its own table).
# Without a usable GPU, the builds still run and each check says "no GPU"
# (GPU_CHECK_ON_CPU=1 runs the checks anyway, on the programs' CPU fallback:
# a dry run of this script, not of the GPU).
set -uo pipefail
pack=$(cd "$(dirname "$0")" && pwd)
logs=${1:-$pack/logs}
mkdir -p "$logs"
logs=$(cd "$logs" && pwd)
cd "$pack" || exit 2
command -v cmake >/dev/null || { echo "gpu-check: cmake is needed"; exit 2; }
nvcc=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$nvcc" ] || { echo "gpu-check: no nvcc (set CUDACXX, or put the CUDA Toolkit's bin on the PATH)"; exit 2; }
export CUDACXX=$nvcc
start=$(date +%s)

# The GPU, if any: the projects are built for its compute capability (nvidia-smi's, e.g. 90), else
# for the pack's default architectures (sm_90 and PTX for compute_75).
archs=()
if command -v nvidia-smi >/dev/null && nvidia-smi -L > "$logs/nvidia-smi.txt" 2>&1; then
  cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
  [[ "$cap" =~ ^[0-9]+$ ]] && archs=(-DCMAKE_CUDA_ARCHITECTURES="$cap")
  echo "GPU: $(head -1 "$logs/nvidia-smi.txt") (building for ${cap:-the default architectures})"
else
  echo "GPU: none found (nvidia-smi); building for the default architectures"
fi
echo "commit packed: $(cat commit 2>/dev/null || echo unknown); nvcc: $("$nvcc" --version | tail -1); logs: $logs"

# Build every project, several at once.
jobs=$(( $(nproc) / 2 )); [ "$jobs" -ge 1 ] || jobs=1
build_one() {
  local d=$1
  { cmake -S "$d" -B "$d/build" -DCMAKE_BUILD_TYPE=Release "${archs[@]}" &&
    cmake --build "$d/build" -j 2; } > "$logs/build-$(basename "$d").log" 2>&1
}
export -f build_one
export logs
# The training checks' projects (train/) and the bench's (bench/projects) build alongside.
{ ls -d projects/*; ls -d train/* bench/projects/* 2>/dev/null; } |
  xargs -P "$jobs" -I{} bash -c "archs=(${archs[*]}); build_one {}" || true
echo "built in $(( $(date +%s) - start )) s"

# The program a project built: the one executable in its build folder.
program() { find "projects/$1/build" -maxdepth 1 -type f -perm -u+x 2>/dev/null | head -1; }

# Largest |a - b| over two files of numbers, and how many numbers.
max_diff() {
  paste -d'\n' <(tr -s ' ' '\n' < "$1") <(tr -s ' ' '\n' < "$2") | awk '
    NR % 2 == 1 { a = $1; next } { n++; d = a - $1; if (d < 0) d = -d; if (d > m) m = d }
    END { if (n == 0) print "none"; else printf "%.3g %d\n", m, n }'
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) s = .001; printf "%.0f", n / s }'; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'; }

fails=0
printf '%-16s | %-5s | %-22s | %-24s | %-10s | %-5s | %-16s | %s\n' model build "probs max|gpu-cpu|" "valid BPC gpu / cpu" golden \
  "-n 4" "text = cpu, path" "generate chars/s gpu / cpu"
printf '%s\n' "-----------------+-------+------------------------+--------------------------+------------+-------+------------------+---------------------------"
for p in $(ls projects); do
  exe=$(program "$p")
  row_log=$logs/check-$p.log
  : > "$row_log"
  if [ -z "$exe" ]; then
    printf '%-16s | %-5s | see %s\n' "$p" FAIL "$logs/build-$p.log"; fails=$((fails + 1)); continue
  fi
  if [ -f "projects/$p/weights.path" ]; then
    w=$pack/$(cat "projects/$p/weights.path")
  else
    w=$pack/projects/$p/init.weights
    "$exe" init "$w" -srand 1 -scramble >> "$row_log" 2>&1
  fi
  "$exe" probs "$w" < /dev/null > /dev/null 2> "$logs/probe-$p.err"
  if grep -q "no usable CUDA device" "$logs/probe-$p.err" && [ -z "${GPU_CHECK_ON_CPU:-}" ]; then
    printf '%-16s | %-5s | %-22s | %-24s | %-10s | %-5s | %-16s | %s\n' "$p" ok "no GPU" "no GPU" "no GPU" "no GPU" "no GPU" \
      "no GPU"
    continue
  fi
  # A model marked quick (large-rnn: 151 MB of weights, ~10 ms a character on the CPU) reads less text.
  probs_txt=data/probs.txt valid_txt=data/valid.txt speed_len=3000
  if [ -f "projects/$p/quick" ]; then
    head -c 200 data/probs.txt > "$logs/probs-$p.txt"; head -c 300 data/valid.txt > "$logs/valid-$p.txt"
    probs_txt=$logs/probs-$p.txt valid_txt=$logs/valid-$p.txt speed_len=300
  fi
  # probs: GPU against the CPU path of the same program
  "$exe" probs "$w" < "$probs_txt" > "$logs/probs-$p.gpu" 2>> "$row_log"
  "$exe" probs "$w" -nogpu < "$probs_txt" > "$logs/probs-$p.cpu" 2>> "$row_log"
  read -r md count <<<"$(max_diff "$logs/probs-$p.gpu" "$logs/probs-$p.cpu")"
  if [ "$md" != none ] && le "$md" 1e-5; then probs="ok $md"; else probs="FAIL $md"; fails=$((fails + 1)); fi
  # valid: the last line's BPC
  bg=$("$exe" valid "$w" < "$valid_txt" 2>> "$row_log" | tail -1 | awk '{ print $3 }')
  bc=$("$exe" valid "$w" -nogpu < "$valid_txt" 2>> "$row_log" | tail -1 | awk '{ print $3 }')
  d=$(awk -v a="$bg" -v b="$bc" 'BEGIN { d = a - b; if (d < 0) d = -d; print d }')
  if [ -n "$bg" ] && le "$d" 1e-4; then valid="ok $bg / $bc"; else valid="FAIL $bg / $bc"; fails=$((fails + 1)); fi
  # golden: darknet's text
  golden=-
  case $p in golden-*)
    m=${p#golden-}
    bash golden/check-generate.sh "$exe" "$m" > "$logs/golden-$m.txt" 2>&1
    golden=$(tail -1 "$logs/golden-$m.txt" | awk '{ print $1 "/" $1 + $3 }')
    grep -q " 0 failed" "$logs/golden-$m.txt" || { golden="FAIL $golden"; fails=$((fails + 1)); } ;;
  esac
  # -n 4: sample 0 (darknet's generator stream) is generate -n 1's text
  "$exe" generate "$w" -srand 4 -len 300 > "$logs/n1-$p.txt" 2>> "$row_log"
  "$exe" generate "$w" -srand 4 -len 300 -n 4 2>> "$row_log" | head -c "$(wc -c < "$logs/n1-$p.txt")" > "$logs/n4-$p.txt"
  if [ -s "$logs/n1-$p.txt" ] && cmp -s "$logs/n1-$p.txt" "$logs/n4-$p.txt"; then batch=ok
  elif [ -n "${GPU_CHECK_ON_CPU:-}" ] && grep -q "no batch kernels" "$row_log"; then batch=n/a  # the CPU's [lstm], [gru]
  else batch=FAIL; fails=$((fails + 1)); fi
  # text: the GPU's generate (the persistent kernel, or the per-step kernels) prints the CPU path's bytes
  "$exe" generate "$w" -srand 7 -len 500 > "$logs/gen-$p.gpu" 2> "$logs/gen-$p.err"
  "$exe" generate "$w" -srand 7 -len 500 -nogpu > "$logs/gen-$p.cpu" 2>> "$row_log"
  path=cpu
  grep -q ", persistent" "$logs/gen-$p.err" && path=persistent
  grep -q ", per-step kernels" "$logs/gen-$p.err" && path=per-step
  if [ -s "$logs/gen-$p.gpu" ] && cmp -s "$logs/gen-$p.gpu" "$logs/gen-$p.cpu"; then text="ok $path"
  else text="FAIL $path"; fails=$((fails + 1)); fi
  # the large model is there to fall back
  case $p in large-*) [ "$path" = persistent ] && { text="FAIL $path"; fails=$((fails + 1)); } ;; esac
  # speed: 3000 characters after the default seed
  sg=$(seconds "$exe" generate "$w" -srand 1 -len "$speed_len")
  sc=$(seconds "$exe" generate "$w" -srand 1 -len "$speed_len" -nogpu)
  printf '%-16s | %-5s | %-22s | %-24s | %-10s | %-5s | %-16s | %s / %s\n' "$p" ok "$probs" "$valid" "$golden" "$batch" \
    "$text" "$(rate "$speed_len" "$sg")" "$(rate "$speed_len" "$sc")"
done
# GPU training against the CPU trainer: one line per check (logs in LOGDIR/train-NAME/).
if [ -d train ]; then
  echo "training (GPU vs the CPU trainer; $(wc -c < data/train.txt) bytes of text, held out: data/valid.txt)"
  for p in $(ls train); do
    exe=$(find "train/$p/build" -maxdepth 1 -type f -perm -u+x 2>/dev/null | head -1)
    if [ -z "$exe" ]; then
      echo "$p: FAIL build, see $logs/build-$p.log"; fails=$((fails + 1)); continue
    fi
    bash ./gpu-train-check.sh "$exe" data/train.txt data/valid.txt "$logs/train-$p" > "$logs/train-$p.txt" 2>&1
    rc=$?
    sed "s/^/$p: /" "$logs/train-$p.txt"
    [ $rc = 0 ] || [ $rc = 77 ] || fails=$((fails + $(grep -c '^FAIL' "$logs/train-$p.txt") + 0))
    [ $rc = 0 ] || [ $rc = 77 ] || grep -q '^FAIL' "$logs/train-$p.txt" || fails=$((fails + 1))
  done
fi
echo "$fails failed; $(( $(date +%s) - start )) s in all"
# The bench (rnnc against PyTorch on this GPU): its table, its logs beside these.
if [ -f bench/gpu.sh ]; then
  bash bench/gpu.sh "$pack" "$logs/bench" || echo "bench: failed (logs in $logs/bench)"
fi
[ "$fails" = 0 ]
