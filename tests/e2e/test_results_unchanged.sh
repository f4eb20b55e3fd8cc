#!/usr/bin/env bash
# Results do not change under a refactor: the bytes that programs print and
# write for a fixed input are held here, recorded with the code before a
# change (issue 13 asks for it) and compared after. Kernels sum in an order
# that depends on the vector ISA (and OpenBLAS's kernels on the CPU model), so
# the records are kept per CPU class (results/CLASS.txt); on a class without a
# record the test skips, saying so.
#   default:  the small cfgs: 20 training batches, then generate -n 1/5/32 in
#             fp32 and bf16, valid and probs from the trained weights
#   FULL=1:   also every other cfg in cfg/ (rnn.train.cfg: 1 batch), ~10 GB
#   RECORD=1: write the record for this CPU class instead of comparing
#   MARCH=x86-64-v3: build the programs for that -march (through a compiler
#             wrapper, so rnnc of any age builds the same): the class is then
#             the -march, and an AVX-512 machine checks the AVX2 kernels too
# The cfgs are the frozen copies in results/cfg/ (those of the records), not
# cfg/, whose training recipes may change.
source "$(dirname "$0")/lib.sh"

flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $flags " == *" $1 "* ]]; }
if has avx512f && has avx512_bf16; then class=avx512-bf16
elif has avx512f; then class=avx512
elif has avx2 && has fma; then class=avx2
else class=portable; fi
rnnc_args=()
if [ -n "${MARCH:-}" ]; then
  class=$MARCH
  printf '#!/usr/bin/env bash\nargs=()\nfor a in "$@"; do [ "$a" = -march=native ] && a=-march=%s; args+=("$a"); done\nexec %s "${args[@]}"\n' \
    "$MARCH" "${CXX:-c++}" > cxx-march
  chmod +x cxx-march
  rnnc_args=(--cxx "$PWD/cxx-march")
fi
# The fixed rule for the products (where this rnnc has plans): a measured plan may give a wide model's
# products to other kernels than the record's (the small cfgs have no wide product either way).
"$RNNC" --help > rnnc-help.txt
if grep -q -- "--plan fixed" rnnc-help.txt; then rnnc_args+=(--plan fixed); fi
record="$SRC/tests/e2e/results/$class${FULL:+-full}.txt"
text=/usr/share/common-licenses/GPL-3
[ -s "$text" ] || { echo "SKIP: $text (the fixed training text) is absent"; exit 77; }
if [ -z "${RECORD:-}" ] && [ ! -f "$record" ]; then
  echo "SKIP: no record of results for CPU class $class ($record); make one with RECORD=1 from the code before a change"
  exit 77
fi
head -c 200000 "$text" > data.txt
head -c 3000 "$text" | tail -c 2000 > held.txt

names=(small-rnn small-lstm small-gru)
if [ -n "${FULL:-}" ]; then names+=(gru lstm gru-2x512 rnn); fi
: > got.txt
for n in "${names[@]}"; do
  compile "$SRC/tests/e2e/results/cfg/$n.train.cfg" "$n.train" "${rnnc_args[@]}"
  compile "$SRC/tests/e2e/results/cfg/$n.cfg" "$n" "${rnnc_args[@]}"
  batches=20
  [ "$n" = rnn ] && batches=1
  ./"$n.train" train -file data.txt -srand 3 -max_batches $batches -backup "bk-$n" < /dev/null > "$n.train.log" 2>&1 ||
    { tail "$n.train.log" >&2; fail "$n: train"; }
  w=$(ls "bk-$n"/*_final.weights)
  echo "$n train $batches batches: weights $(sha256sum < "$w" | cut -c1-16)" >> got.txt
  for p in fp32 bf16; do
    for k in 1 5 32; do
      if ./"$n" generate "$w" -srand 7 -len 200 -seed "The " -precision $p -n $k < /dev/null > gen.txt 2> gen.log; then
        echo "$n generate $p -n $k: $(sha256sum < gen.txt | cut -c1-16)" >> got.txt
      elif [ "$k" -gt 1 ] && grep -q 'no batch kernels' gen.log; then
        echo "$n generate $p -n $k: no batch kernels" >> got.txt  # [lstm] and [gru] generate one sample at a time
      else
        cat gen.log >&2; fail "$n generate -precision $p -n $k"
      fi
    done
    ./"$n" valid "$w" -precision $p < held.txt > valid.txt 2> valid.log || { cat valid.log >&2; fail "$n valid"; }
    echo "$n valid $p: $(tail -1 valid.txt)" >> got.txt
  done
  ./"$n" probs "$w" < held.txt > probs.txt 2> probs.log || { cat probs.log >&2; fail "$n probs"; }
  echo "$n probs: $(sha256sum < probs.txt | cut -c1-16)" >> got.txt
done

if [ -n "${RECORD:-}" ]; then
  { echo "# rnnc results for CPU class $class, $(date -u +%F), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "# recorded by tests/e2e/test_results_unchanged.sh (RECORD=1${FULL:+ FULL=1}) from $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')"
    cat got.txt; } > "$record"
  echo "recorded $(wc -l < got.txt) results in $record"
  exit 0
fi
if diff <(grep -v '^#' "$record") got.txt > diff.txt; then
  echo "ok   $(wc -l < got.txt) results byte-identical to the record ($record)"
else
  cat diff.txt >&2
  fail "results differ from the record for $class (< recorded, > now)"
fi
