#!/usr/bin/env bash
# Speed of rnnc's generated programs, side by side in one run, as ratios
# against darknet's figures (measured here when --darknet PATH is given, else
# the reference numbers of issue 6) and PyTorch (when `import torch` works).
# Usage: bench/run.sh [--darknet PATH] [--with-torch] [--with-dnnl] [--quick] [--baseline RNNC]
#   --with-torch installs Debian's python3-torch (scripts/setup.sh) first;
#   --with-dnnl installs libdnnl-dev, for the products table's oneDNN columns
#   (which appear wherever it is installed).
#   --baseline RNNC also builds every benchmarked program with another rnnc (say
#   one built from the commit before a change) and measures the two side by
#   side, each figure of one right after the same figure of the other.
set -euo pipefail
cd "$(dirname "$0")/.."
darknet="" quick=0 baseline=""
while [ $# -gt 0 ]; do
  case $1 in
    --darknet) darknet=$2; shift 2 ;;
    --with-torch) bash scripts/setup.sh python3-torch; shift ;;
    --with-dnnl) bash scripts/setup.sh libdnnl-dev; shift ;;
    --quick) quick=1; shift ;;
    --baseline) baseline=$(realpath "$2"); shift 2 ;;
    *) echo "usage: bench/run.sh [--darknet PATH] [--with-torch] [--with-dnnl] [--quick] [--baseline RNNC]" >&2; exit 2 ;;
  esac
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j"$(nproc)" >/dev/null
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
shared=../shared
data=$shared/data/tinyshakespeare.txt
[ -f "$data" ] || { data=$w/text.txt; for i in $(seq 200); do cat README.md; done > "$data"; }

./build/rnnc cfg/rnn.cfg -o "$w/rnn" 2>/dev/null
"$w/rnn" init "$w/rnn.weights" -srand 1 2>/dev/null
len=$([ $quick = 1 ] && echo 600 || echo 3000)

now() { date +%s.%N; }
# chars/s at steady state of a generating command: CHARS characters (samples x length)
# over (time of the long run) - (time of a 10-character run). The best of 3 tries: these
# machines are shared and noisy, and the least disturbed try is the program's own speed.
# Usage: steady_rate CHARS COMMAND... (COMMAND's -len is appended: 10, then LEN).
steady_rate() {
  local chars=$1 len_of_long=$2 best=0 t0 t1 t2 r
  shift 2
  for _ in 1 2 3; do
    t0=$(now); "$@" -len 10 >/dev/null 2>&1
    t1=$(now); "$@" -len "$len_of_long" >/dev/null 2>&1
    t2=$(now)
    r=$(awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$chars" 'BEGIN { printf "%.0f", n / ((c - b) - (b - a)) }')
    [ "$r" -gt "$best" ] && best=$r
  done
  echo "$best"
}
# One try of the same: CHARS LEN COMMAND...
steady_rate1() {
  local chars=$1 len_of_long=$2 t0 t1 t2
  shift 2
  t0=$(now); "$@" -len 10 >/dev/null 2>&1
  t1=$(now); "$@" -len "$len_of_long" >/dev/null 2>&1
  t2=$(now)
  awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$chars" 'BEGIN { printf "%.0f", n / ((c - b) - (b - a)) }'
}
# One try of generate's total chars/s: PROGRAM N PRECISION (N > 1 on a quarter of the length).
gen_try() {
  local l=$len
  [ "$2" -gt 1 ] && l=$((len / 4))
  steady_rate1 $(($2 * (l - 10))) "$l" "$1" generate "$w/rnn.weights" -srand 1 -n "$2" -precision "$3"
}
# generate's total chars/s for every precision and sample count at once: three rounds, each
# measuring every figure once in turn, the best of each figure's three. The ratios between
# figures (bf16 against fp32, int8 against bf16) then compare tries taken in the same
# minutes, not one figure's tries against another's a minute later on a machine whose
# speed drifts. Usage: gen_rates SPEC... (SPEC: "N PRECISION"); sets rate[SPEC].
declare -A rate
gen_rates() {
  local spec n p r
  for spec in "$@"; do rate[$spec]=0; done
  for _ in 1 2 3; do
    for spec in "$@"; do
      read -r n p <<< "$spec"
      r=$(gen_try "$w/rnn" "$n" "$p")
      if [ "$r" -gt "${rate[$spec]}" ]; then rate[$spec]=$r; fi  # an if: a false test ending the function would stop the bench (set -e)
    done
  done
}
# chars/s of train at steady state: median of darknet's per-batch seconds after the first 5 batches
train_rate() {  # BINARY BATCHES CHARS_PER_BATCH [TRAIN FLAGS...]
  local bin=$1 batches=$2 chars=$3
  shift 3
  "$bin" train -file "$data" -srand 1 -max_batches "$batches" -backup "$w/backup" "$@" 2>&1 >/dev/null |
    awk -F', ' '/ seconds/ { n++; if (n > 5) { split($4, s, " "); print s[1] } }' | sort -g |
    awk -v c="$chars" '{ v[NR] = $1 } END { printf "%.0f", c / v[int((NR + 1) / 2)] }'
}

# int8 where this rnnc's programs have it (their usage names it).
has_int8=0; "$w/rnn" > "$w/rnn.help" 2>&1 || true; grep -q 'int8' "$w/rnn.help" && has_int8=1
specs=("1 fp32" "1 bf16" "32 fp32" "32 bf16")
[ $has_int8 = 1 ] && specs+=("1 int8" "32 int8")
gen_rates "${specs[@]}"
g32=${rate[1 fp32]} g16=${rate[1 bf16]} n32=${rate[32 fp32]} n16=${rate[32 bf16]}
g8=${rate[1 int8]:-n/a} n8=${rate[32 int8]:-n/a}
./build/rnnc "$shared/golden/tiny/tiny.train.cfg" -o "$w/tiny_train" 2>/dev/null || ./build/rnnc examples/demo.train.cfg -o "$w/tiny_train" 2>/dev/null
cfgval() { tr -d ' \t' < "$1" | sed -n "s/^$2=//p" | head -1; }
train_cfg=$shared/golden/tiny/tiny.train.cfg; [ -f "$train_cfg" ] || train_cfg=examples/demo.train.cfg
tb=$(( $(cfgval "$train_cfg" batch) * $(cfgval "$train_cfg" time_steps) ))
tr=$(train_rate "$w/tiny_train" $([ $quick = 1 ] && echo 30 || echo 100) "$tb")

dk_g=430 dk_t=11000 src="issue 6's reference figures (not measured here; pass --darknet PATH)"
if [ -n "$darknet" ]; then
  src="generate measured here ($darknet, one thread as darknet builds by default); train: issue 6's figure (darknet's CPU [rnn] training crashes)"
  echo "measuring darknet at $darknet" >&2
  dk_g=$(steady_rate $((len - 10)) "$len" "$darknet" rnn generate cfg/rnn.cfg "$w/rnn.weights" -srand 1)
fi
# The training step of cfg/rnn.train.cfg's shape (128 streams; 16 steps to fit in memory) against OpenBLAS.
# Its plan also tries oneDNN where libdnnl-dev is installed.
dnnl_flag=(); if c++ -print-file-name=libdnnl.so | grep -q /; then dnnl_flag=(--dnnl); fi
./build/rnnc bench/rnn_train_shape.cfg -o "$w/rnn_train" "${dnnl_flag[@]}" 2>/dev/null
big_rows=$((128 * 16))
sgemm="n/a"
if cc -O2 bench/sgemm_openblas.c -o "$w/sgemm" -lopenblas 2>/dev/null; then sgemm=$(OPENBLAS_NUM_THREADS=$(nproc) "$w/sgemm"); fi
# The products table (below), with oneDNN's columns where libdnnl-dev is installed; its --dnnl M N K
# gives oneDNN's fp32 rate on the step's shape, the other library the training step is held against.
gemm_flags=(-std=c++17 -O3 -march=native -ffp-contract=off -pthread -I runtime -DRNNC_BLAS bench/gemm_vs_blas.cpp -o "$w/gemm_vs_blas")
gemm_ok=1
g++ "${gemm_flags[@]}" -DRNNC_DNNL -lopenblas -ldnnl 2>/dev/null || g++ "${gemm_flags[@]}" -lopenblas 2>/dev/null || gemm_ok=0
dnnl_ref="n/a"
# The larger of two rates (decimals, so not [ -gt ]).
larger() { awk -v a="$1" -v b="$2" 'BEGIN { print (b + 0 > a + 0) ? b : a }'; }
# oneDNN's rate on one shape: the best of three processes (a first one read 188 GFLOP/s where the
# next two read 258, 2026-11-28).
dnnl_rate() {
  local best=0 r
  for _ in 1 2 3; do
    r=$("$w/gemm_vs_blas" --dnnl "$@")
    [ "$r" = n/a ] && { echo n/a; return; }
    best=$(larger "$best" "$r")
  done
  echo "$best"
}
# The step and oneDNN's rate on its shape in three rounds, each measuring both once, the best of
# each: the ratio then compares tries of the same minutes (measured a minute apart on this shared
# machine, it read 70% in a run where both were measured at 85% before and after, 2026-11-29).
big=0
[ $gemm_ok = 1 ] && dnnl_ref=0
for _ in 1 2 3; do
  r=$(train_rate "$w/rnn_train" $([ $quick = 1 ] && echo 7 || echo 9) "$big_rows")  # chars/s
  [ "$r" -gt "$big" ] && big=$r
  if [ "$dnnl_ref" != n/a ]; then
    r=$("$w/gemm_vs_blas" --dnnl 128 1024 1024)
    if [ "$r" = n/a ]; then dnnl_ref=n/a; else dnnl_ref=$(larger "$dnnl_ref" "$r"); fi
  fi
done
# FLOPs per row: forward, weight gradient and input gradient of every product but rnn0's one-hot input:
# 3 x 2 x (8 x 1024 x 1024 + 1024 x 256)
big_gflops=$(awk -v c="$big" 'BEGIN { printf "%.1f", c * 6 * (8 * 1024 * 1024 + 1024 * 256) / 1e9 }')
best_lib=$(awk -v a="$sgemm" -v b="$dnnl_ref" 'BEGIN { if (a == "n/a") a = 0; if (b == "n/a") b = 0; m = a > b ? a : b; if (m > 0) printf "%.1f", m; else print "n/a" }')

torch="not installed: PyTorch not measured" pt="n/a"
py=""
for p in python3 /usr/bin/python3; do "$p" -c "import torch" 2>/dev/null && { py=$p; break; }; done
if [ -n "$py" ]; then
  pt=$("$py" bench/torch_rnn.py "$data" $([ $quick = 1 ] && echo 15 || echo 40))
  torch="$($py -c 'import torch; print(torch.__version__)'), measured here (bench/torch_rnn.py, 2 threads)"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
echo
isa=$(grep -m1 -ow -e avx512_bf16 /proc/cpuinfo >/dev/null && echo "AVX-512 with BF16" ||
  { grep -m1 -qw avx512f /proc/cpuinfo && echo "AVX-512" || { grep -m1 -qw avx2 /proc/cpuinfo && echo "AVX2, no AVX-512" || echo "no AVX2"; }; })
echo "rnnc bench, $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2 }') ($isa)"
echo "darknet: $src; PyTorch: $torch"
echo
printf "| %-52s | %10s | %10s | %8s | %8s |\n" "figure" "darknet" "rnnc" "ratio" "target"
printf "|%s|%s|%s|%s|%s|\n" "$(printf -- '-%.0s' {1..54})" "------------" "------------" "----------" "----------"
printf "| %-52s | %10s | %10s | %8s | %8s |\n" "generate, cfg/rnn.cfg, fp32, chars/s" "$dk_g" "$g32" "$(ratio "$g32" "$dk_g")" ">= 3x"
printf "| %-52s | %10s | %10s | %8s | %8s |\n" "generate, cfg/rnn.cfg, -precision bf16, chars/s" "-" "$g16" "$(ratio "$g16" "$dk_g")" ">= 8x"
printf "| %-52s | %10s | %10s | %8s | %8s |\n" "generate -n 32, fp32, total chars/s" "-" "$n32" "$(ratio "$n32" "$dk_g")" ">= 25x"
printf "| %-52s | %10s | %10s | %8s | %8s |\n" "generate -n 32, bf16, total chars/s" "-" "$n16" "$(ratio "$n16" "$dk_g")" ">= 25x"
printf "| %-52s | %10s | %10s | %8s | %8s |\n" "train, golden/tiny/tiny.train.cfg, chars/s" "$dk_t" "$tr" "$(ratio "$tr" "$dk_t")" ">= 6x"
printf "| %-52s | %10s | %10s | %8s | %8s |\n" "train, rnn.train.cfg shape, GFLOP/s vs best fp32 library" "$best_lib" "$big_gflops" \
  "$([ "$best_lib" = n/a ] && echo - || awk -v a="$big_gflops" -v b="$best_lib" 'BEGIN { printf "%.0f%%", 100 * a / b }')" ">= 90%"
printf "| %-52s | %10s | %10s | %8s | %8s |\n" "train, tiny shape, chars/s vs PyTorch (column 2)" "$pt" "$tr" \
  "$([ "$pt" = n/a ] && echo - || ratio "$tr" "$pt")" ">= 1.5x"

# --- Against the machine's limits. Generating one character reads every weight of the
# model once, except rnn0's one-hot input matrix (one column of it): for cfg/rnn.cfg
# 8,650,752 matrix elements (8 x 1024 x 1024 + 1024 x 256), at 4, 2 or 1 bytes, plus
# ~38 KB of float biases (and, in int8, one float scale per row, ~34 KB). The limit of
# -n 1 is the read bandwidth of a buffer that size on every core (bench/read_bandwidth.c);
# the limit of -n 32 is the lower of 32 samples per read of the weights and the best
# product library's FLOP/s on the same product (32 x 1024 x 1024; 2 FLOPs per element).
elems=8650752
bytes_fp32=$((elems * 4 + 38000)) bytes_bf16=$((elems * 2 + 38000)) bytes_int8=$((elems + 72000))
bw() { [ -x "$w/read_bandwidth" ] && "$w/read_bandwidth" "$1" || echo n/a; }
cc -O3 -march=native -pthread bench/read_bandwidth.c -o "$w/read_bandwidth" 2>/dev/null || true
bw32=$(bw $bytes_fp32) bw16=$(bw $bytes_bf16) bw8=$(bw $bytes_int8)
gemm32="n/a"
[ -x "$w/sgemm" ] && gemm32=$(OPENBLAS_NUM_THREADS=$(nproc) "$w/sgemm" 32 1024 1024)
# ... or oneDNN's matmul on the same shape, where it is faster.
if [ $gemm_ok = 1 ]; then
  d32=$(dnnl_rate 32 1024 1024)
  gemm32=$(awk -v a="$gemm32" -v b="$d32" 'BEGIN { if (a == "n/a") a = 0; if (b == "n/a") b = 0; m = a > b ? a : b; if (m > 0) printf "%.1f", m; else print "n/a" }')
fi
# chars/s that BYTES read at GB/s allow, times SAMPLES per read, capped by GFLOP/s over the FLOPs a character takes.
limit() {  # BYTES GBS SAMPLES GFLOPS
  awk -v b="$1" -v g="$2" -v n="$3" -v f="${4:-}" -v e="$elems" 'BEGIN {
    if (g == "n/a") { print "n/a"; exit }
    l = n * g * 1e9 / b; if (f != "" && f != "n/a") { c = f * 1e9 / (2 * e); if (c < l) l = c }
    printf "%.0f", l }'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a") print "-"; else printf "%.0f%%", 100 * a / b }'; }
echo
echo "Generate against the machine's limits (cfg/rnn.cfg; read bandwidth measured here for each precision's bytes, every core):"
echo
printf "| %-44s | %9s | %12s | %10s | %8s | %8s |\n" "figure" "rnnc" "bytes/char" "limit" "of limit" "target"
printf "|%s|%s|%s|%s|%s|%s|\n" "$(printf -- '-%.0s' {1..46})" "-----------" "--------------" "------------" "----------" "----------"
lim_row() {  # NAME RATE BYTES LIMIT TARGET
  printf "| %-44s | %9s | %12s | %10s | %8s | %8s |\n" "$1" "$2" "$3" "$4" "$(pct "$2" "$4")" "$5"
}
l32=$(limit $bytes_fp32 "$bw32" 1) l16=$(limit $bytes_bf16 "$bw16" 1) l8=$(limit $bytes_int8 "$bw8" 1)
lim_row "generate -n 1 fp32 ($bw32 GB/s)" "$g32" $bytes_fp32 "$l32" ">= 90%"
lim_row "generate -n 1 bf16 ($bw16 GB/s)" "$g16" $bytes_bf16 "$l16" ">= 90%"
[ $has_int8 = 1 ] && lim_row "generate -n 1 int8 ($bw8 GB/s)" "$g8" $bytes_int8 "$l8" ">= 90%"
lim_row "generate -n 32 fp32 (best lib $gemm32 GFLOP/s)" "$n32" $bytes_fp32 "$(limit $bytes_fp32 "$bw32" 32 "$gemm32")" ">= 60%"
lim_row "generate -n 32 bf16 (the fp32 FLOP/s bound)" "$n16" $bytes_bf16 "$(limit $bytes_bf16 "$bw16" 32 "$gemm32")" ">= 60%"
[ $has_int8 = 1 ] && lim_row "generate -n 32 int8 (the fp32 FLOP/s bound)" "$n8" $bytes_int8 "$(limit $bytes_int8 "$bw8" 32 "$gemm32")" ">= 60%"
echo
[ $has_int8 = 1 ] && echo "int8 against bf16 at -n 1: $(ratio "$g8" "$g16") (target >= 1.7x); bf16 against fp32 at -n 32: $(ratio "$n16" "$n32") (target >= 1.0x)" && echo

# --- Gated layers: cfg/lstm.train.cfg and cfg/gru-2x512.train.cfg against PyTorch's
# nn.LSTM / nn.GRU of the same sizes (bench/torch_gates.py), fp32 and bf16 (rnnc's
# -precision bf16 where its train has it; PyTorch's autocast), in this run.
gate_batches=$([ $quick = 1 ] && echo 8 || echo 15)
has_bf16_train=0
# With --dnnl where oneDNN is installed, as the training step above: its plan picks oneDNN where
# it wins, and -precision bf16 runs on oneDNN's AMX kernels where the CPU has AMX.
./build/rnnc cfg/lstm.train.cfg -o "$w/lstm_train" "${dnnl_flag[@]}" 2>/dev/null
./build/rnnc cfg/gru-2x512.train.cfg -o "$w/gru_train" "${dnnl_flag[@]}" 2>/dev/null
"$w/lstm_train" > "$w/lstm_train.help" 2>&1 || true  # to a file: grep -q's early exit would cut the pipe under pipefail
grep -A3 ' train ' "$w/lstm_train.help" | grep -q -- '-precision' && has_bf16_train=1
echo "Gated layers, train chars/s (32 streams x 64 steps), against PyTorch $([ -n "$py" ] && echo "(bench/torch_gates.py)" || echo "(not installed: not measured)"):"
echo
printf "| %-36s | %10s | %10s | %8s | %8s |\n" "figure" "PyTorch" "rnnc" "ratio" "target"
printf "|%s|%s|%s|%s|%s|\n" "$(printf -- '-%.0s' {1..38})" "------------" "------------" "----------" "----------"
for kind in lstm gru; do
  cfgname=$([ $kind = lstm ] && echo lstm.train.cfg || echo gru-2x512.train.cfg)
  for prec in fp32 bf16; do
    if [ $prec = bf16 ] && [ $has_bf16_train = 0 ]; then r="n/a"
    else r=$(train_rate "$w/${kind}_train" "$gate_batches" 2048 $([ $prec = bf16 ] && echo "-precision bf16")); fi
    p="n/a"; [ -n "$py" ] && p=$("$py" bench/torch_gates.py "$data" $kind $prec "$gate_batches")
    printf "| %-36s | %10s | %10s | %8s | %8s |\n" "$cfgname $prec" "$p" "$r" \
      "$([ "$p" = n/a ] || [ "$r" = n/a ] && echo - || ratio "$r" "$p")" "$([ $prec = fp32 ] && echo '>= 3x' || echo '>= 1.5x')"
  done
done
echo
if [ -n "$baseline" ]; then
  # The same programs from the baseline rnnc, and each figure measured again for both,
  # one right after the other, so that a slow moment of the machine hits both.
  "$baseline" cfg/rnn.cfg -o "$w/base_rnn" 2>/dev/null
  "$baseline" "$train_cfg" -o "$w/base_tiny_train" 2>/dev/null
  "$baseline" bench/rnn_train_shape.cfg -o "$w/base_rnn_train" 2>/dev/null
  # Both programs' steady chars/s for one generate figure: five tries, each of the
  # baseline's then ours, the best of each (the least disturbed try is the program's own speed).
  pair_gen() {  # N PRECISION
    local best_old=0 best_new=0 r
    for _ in 1 2 3 4 5; do
      r=$(gen_try "$w/base_rnn" "$1" "$2")
      [ "$r" -gt "$best_old" ] && best_old=$r
      r=$(gen_try "$w/rnn" "$1" "$2")
      [ "$r" -gt "$best_new" ] && best_new=$r
    done
    echo "$best_new $best_old"
  }
  echo
  echo "Against the baseline rnnc ($baseline), measured pairwise in this run (generate: five"
  echo "interleaved tries each, the best of each; train: three interleaved runs each, the best median batch):"
  echo
  printf "| %-52s | %10s | %10s | %8s |\n" "figure" "baseline" "rnnc" "change"
  printf "|%s|%s|%s|%s|\n" "$(printf -- '-%.0s' {1..54})" "------------" "------------" "----------"
  pair() {  # NAME NEW OLD
    printf "| %-52s | %10s | %10s | %8s |\n" "$1" "$3" "$2" "$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%+.1f%%", 100 * (a / b - 1) }')"
  }
  for spec in "1 fp32" "1 bf16" "32 fp32" "32 bf16"; do
    set -- $spec
    read -r new old < <(pair_gen "$1" "$2")
    pair "generate -n $1, cfg/rnn.cfg, $2, chars/s" "$new" "$old"
  done
  pair_train() {  # OLD NEW BATCHES CHARS: three interleaved runs each, the best median of each
    local best_old=0 best_new=0 r
    for _ in 1 2 3; do
      r=$(train_rate "$1" "$3" "$4"); [ "$r" -gt "$best_old" ] && best_old=$r
      r=$(train_rate "$2" "$3" "$4"); [ "$r" -gt "$best_new" ] && best_new=$r
    done
    echo "$best_new $best_old"
  }
  read -r new old < <(pair_train "$w/base_tiny_train" "$w/tiny_train" $([ $quick = 1 ] && echo 30 || echo 100) "$tb")
  pair "train, $(basename "$train_cfg"), chars/s" "$new" "$old"
  read -r new old < <(pair_train "$w/base_rnn_train" "$w/rnn_train" $([ $quick = 1 ] && echo 7 || echo 9) "$big_rows")
  pair "train, rnn.train.cfg shape, chars/s" "$new" "$old"
  echo
fi
echo "The best fp32 library: OpenBLAS's sgemm ($sgemm) or oneDNN's matmul ($dnnl_ref) on 128 x 1024 x 1024, all cores; the PyTorch row's second column is PyTorch's chars/s."
echo "The -n 32 target is for either precision (issue 6): one of its two rows meeting it is enough."
# Which product wins where: rnnc's own kernels (runtime/rnnc/gemm.h, dense/batch.h)
# against OpenBLAS and, where libdnnl-dev is installed, oneDNN; and what a measured plan picks.
if [ $gemm_ok = 1 ]; then
  echo
  echo "Products of training and of generate -n: rnnc's kernels, OpenBLAS and oneDNN (where linked), all cores; the plan column says what rnnc --plan measured would pick:"
  echo
  OPENBLAS_NUM_THREADS=$(nproc) "$w/gemm_vs_blas"
fi
