#!/usr/bin/env bash
# Plans (issue 15; compiler/plan/): --plan measured (the default) times the candidate
# kernels of a model's wide training products once per machine and compiler
# (a second build reads the cache and times nothing), emits the choices as
# named constants, and its program trains to the update of --plan fixed's
# within 1e-3; narrow models keep rnnc's kernels, as the fixed rule does; --dnnl without oneDNN fails in one line, and with it the program
# links libdnnl only where its plan picks oneDNN; where nothing can be
# timed, the fixed rule, with a warning.
source "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || { echo "SKIP: python3 is needed to compare the files"; exit 77; }
CMP="python3 $SRC/tests/reference/compare_training.py"
export RNNC_CACHE=$WORK/cache  # a cache of its own: the first build must time, the second must not

# 8 streams x 64 steps: 512 rows; the [rnn]'s sub-layers are 512 wide in and out.
cp "$SRC/tests/e2e/cfg/wide-512.train.cfg" wide.train.cfg
corpus 200000 data.txt

# The options refused before any work.
expect_error "--dnnl goes with --plan measured" "$RNNC" wide.train.cfg -o x --dnnl --plan fixed
expect_error "--plan is measured or fixed, got 'fast'" "$RNNC" wide.train.cfg -o x --plan fast

# --dnnl where the compiler finds no libdnnl.so: one line.
printf '#!/usr/bin/env bash\n[ "$1" = -print-file-name=libdnnl.so ] && { echo libdnnl.so; exit 0; }\nexec %s "$@"\n' \
  "${CXX:-c++}" > cxx-no-dnnl
chmod +x cxx-no-dnnl
expect_error "rnnc: error: --dnnl needs oneDNN (Debian's libdnnl-dev), but the C++ compiler (.*) does not find libdnnl.so" \
  "$RNNC" wide.train.cfg -o x --dnnl --cxx "$PWD/cxx-no-dnnl"
[ "$(wc -l < err.txt)" = 1 ] || { cat err.txt >&2; fail "--dnnl without oneDNN: more than one line"; }
echo "ok   --dnnl without oneDNN: $(cat err.txt)"

# Where the products cannot be timed (here: a compiler that fails on the probe), the fixed rule, in one line.
printf '#!/usr/bin/env bash\nfor a in "$@"; do case $a in *plan_probe.cpp) exit 1 ;; esac; done\nexec %s "$@"\n' \
  "${CXX:-c++}" > cxx-no-probe
chmod +x cxx-no-probe
"$RNNC" wide.train.cfg --emit-only fallback --cxx "$PWD/cxx-no-probe" 2> fallback.log || { cat fallback.log >&2; fail "no probe"; }
grep -q "^rnnc: warning: the products cannot be timed here (the probe did not compile); they follow the fixed rule" \
  fallback.log || { cat fallback.log >&2; fail "no word of the fixed rule"; }
grep -q "rnnc's fixed rule" fallback/program.cpp || fail "the fallback's table is not the fixed rule's"
echo "ok   no probe: $(grep warning fallback.log)"

# The plan's table: a named constant per product, handed to the runtime by main.
"$RNNC" wide.train.cfg --emit-only src --plan fixed 2> emit.log || { cat emit.log >&2; fail "--emit-only"; }
grep -q "^constexpr rnnc::PlannedProduct kRnn0SelfWeightGradient{512, 512, 512, Role::WeightGradient, Kernel::OpenBlas};" \
  src/program.cpp || { grep -n PlannedProduct src/program.cpp >&2; fail "the fixed plan's table"; }
grep -q "^constexpr rnnc::PlannedProduct kConnected1Forward{512, 256, 512, Role::Forward, Kernel::Rnnc};" src/program.cpp ||
  fail "a narrow product's entry"
grep -q "rnnc::use_product_plan(model_wide_train::kProductPlan);" src/program.cpp || fail "main does not hand over the plan"

compile wide.train.cfg fixed --plan fixed
"$RNNC" wide.train.cfg -o measured -v --show-plan 2> measured.rnnc.log || { cat measured.rnnc.log >&2; fail "rnnc --plan measured"; }
grep -q "^  rnn0.self *weight gradient *512 x 512 <- 512 " measured.rnnc.log || { cat measured.rnnc.log >&2; fail "--show-plan"; }
if grep -q "timed [0-9]* product shape" measured.rnnc.log; then
  grep -q "rnnc [0-9.]*, OpenBLAS [0-9.]* GFLOP/s" measured.rnnc.log || fail "--show-plan shows no rates"
  echo "ok   measured: $(grep -o 'timed [0-9]* product shape.*' measured.rnnc.log)"
  "$RNNC" wide.train.cfg -o again -v 2> again.rnnc.log || { cat again.rnnc.log >&2; fail "rnnc again"; }
  grep -q "timed [0-9]* product shape" again.rnnc.log && fail "the second build timed the products again"
  grep -q "the plan's timings are cached" again.rnnc.log || { cat again.rnnc.log >&2; fail "no word of the cached plan"; }
  cmp -s measured again || fail "the second build made another program"
  echo "ok   a second build times nothing"
else
  echo "note: nothing timed ($(grep -m1 'OpenBLAS for' measured.rnnc.log || echo 'no OpenBLAS')); the cache is not checked"
fi

# One batch from the same start: the measured plan's update is the fixed rule's to 1e-3 of the largest change.
./fixed init start.weights -srand 3 -scramble < /dev/null 2> /dev/null || fail "init"
train() {  # BIN SRAND OUT [TRAIN FLAGS...]
  local bin=$1 srand=$2 out=$3
  shift 3
  rm -rf "$out"
  "./$bin" train start.weights -file data.txt -srand "$srand" -max_batches 1 -backup "$out" "$@" < /dev/null \
    > "$out.log" 2>&1 || { cat "$out.log" >&2; fail "train ($bin $*)"; }
}
close() {  # A B WHAT: the update of B is A's to 1e-3
  local r upd
  r=$($CMP weights start.weights "$1/wide_final.weights" "$2/wide_final.weights" 1 1) || fail "$3: $r"
  upd=$(echo "$r" | sed -E 's/.*differs by ([^ ]*) of.*/\1/')
  awk -v u="$upd" 'BEGIN { exit !(u + 0 < 1e-3) }' || fail "$3: $r"
  echo "ok   $3: $r"
}
train fixed 7 bk_fixed
train measured 7 bk_measured
close bk_fixed bk_measured "measured plan against the fixed rule, one batch"
train fixed 8 bk_other
r=$($CMP weights start.weights bk_fixed/wide_final.weights bk_other/wide_final.weights 1 1) || true
awk -v u="$(echo "$r" | sed -E 's/.*differs by ([^ ]*) of.*/\1/')" 'BEGIN { exit !(u + 0 >= 1e-3) }' ||
  fail "a batch of other data went unnoticed: $r"

# A narrow model: nothing timed, rnnc's kernels for every product, as the fixed rule gives it (so its
# programs' outputs stay byte for byte those of before plans: test_results_unchanged.sh builds with the
# default plan).
cat > narrow.train.cfg <<'CFG'
[net]
subdivisions=1
inputs=256
batch=8
time_steps=16

[rnn]
output=64
activation=leaky

[connected]
output=256
activation=linear

[softmax]
CFG
"$RNNC" narrow.train.cfg --emit-only narrow -v --show-plan 2> narrow.log || { cat narrow.log >&2; fail "narrow"; }
grep -q "timed" narrow.log && fail "a narrow model's products were timed"
grep -q "Kernel::OpenBlas\|Kernel::Dnnl" narrow/program.cpp && fail "a narrow model's product goes to a library"
[ "$(grep -c "Role::.*Kernel::Rnnc};" narrow/program.cpp)" = 9 ] || { grep PlannedProduct narrow/program.cpp >&2; fail "the narrow table"; }
echo "ok   a narrow model: rnnc's kernels for its 9 products, nothing timed"

# --dnnl with oneDNN: the program links libdnnl exactly where its plan picks oneDNN, and then trains as the fixed rule.
if ! "${CXX:-c++}" -print-file-name=libdnnl.so | grep -q /; then
  echo "note: no oneDNN here; --dnnl's program is not checked"
else
  "$RNNC" wide.train.cfg -o dnnl --dnnl --show-plan -v 2> dnnl.rnnc.log || { cat dnnl.rnnc.log >&2; fail "rnnc --dnnl"; }
  grep -q "oneDNN [0-9.]*" dnnl.rnnc.log || { cat dnnl.rnnc.log >&2; fail "oneDNN was not timed"; }
  ldd ./dnnl > dnnl.ldd 2>&1 || true  # into a file: grep -q's early exit would cut ldd's pipe
  if grep -q "on oneDNN" dnnl.rnnc.log; then
    grep -q "this program needs libdnnl.so (oneDNN) at run time" dnnl.rnnc.log || fail "the summary does not say it needs libdnnl"
    grep -q libdnnl dnnl.ldd || fail "the plan picks oneDNN but the program does not link it"
    train dnnl 7 bk_dnnl
    close bk_fixed bk_dnnl "oneDNN's plan against the fixed rule, one batch"
    # rnnc's passes run on OpenMP's threads there (threads.h): on one thread, the same bytes.
    RNNC_THREADS=1 train dnnl 7 bk_dnnl_1
    cmp -s bk_dnnl/wide_final.weights bk_dnnl_1/wide_final.weights ||
      fail "the --dnnl program's weights depend on how many threads run rnnc's passes"
    echo "ok   --dnnl: rnnc's passes on OpenMP's threads, the same weights on one thread"
    # -precision bf16 on oneDNN's bf16 matmul (the default with AMX-BF16 or AVX512-BF16; forced here): both
    # operands rounded as rnnc's bf16 kernel rounds them, so the update is that kernel's up to the
    # order of the fp32 sums.
    RNNC_BF16_PRODUCTS=rnnc train dnnl 7 bk_bf16_rnnc -precision bf16
    rm -rf bk_bf16_dnnl
    if RNNC_BF16_PRODUCTS=onednn ./dnnl train start.weights -file data.txt -srand 7 -max_batches 1 \
      -backup bk_bf16_dnnl -precision bf16 < /dev/null > bk_bf16_dnnl.log 2>&1; then
      grep -q "oneDNN's bf16 matmul" bk_bf16_dnnl.log || { cat bk_bf16_dnnl.log >&2; fail "bf16 did not say oneDNN"; }
      close bk_bf16_rnnc bk_bf16_dnnl "-precision bf16 on oneDNN against rnnc's bf16 kernel, one batch"
    else  # a CPU where this oneDNN has no bf16 matmul: one line, no crash
      rc=$?
      [ $rc -lt 128 ] && grep -q "^error: oneDNN has no bf16 matmul" bk_bf16_dnnl.log ||
        { cat bk_bf16_dnnl.log >&2; fail "bf16 on oneDNN failed (exit $rc) without its one line"; }
      echo "ok   -precision bf16 on oneDNN: $(grep '^error:' bk_bf16_dnnl.log)"
    fi
    RNNC_BF16_PRODUCTS=amx expect_error "RNNC_BF16_PRODUCTS is onednn or rnnc, got 'amx'" \
      ./dnnl train start.weights -file data.txt -max_batches 1 -precision bf16
  else
    ! grep -q libdnnl dnnl.ldd || fail "oneDNN linked though the plan picks it nowhere"
    echo "ok   --dnnl: oneDNN is slower here at every shape, not linked"
  fi
fi
echo "plans: ok"
