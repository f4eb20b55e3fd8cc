#!/usr/bin/env bash
# -precision int8 (dense/int8.h) on darknet's trained golden models: held-out
# BPC within .02 of fp32's, output deterministic, generate -n N's sample 0
# equal to -n 1's (the batch kernels sum the same integers), and the same
# bytes from an AVX2-only build (x86-64-v3: other integer kernels, same sums).
source "$(dirname "$0")/lib.sh"
need_shared
G=$SHARED/golden
tail -c 100000 "$SHARED/data/tinyshakespeare.txt" > heldout.txt  # the corpus's last 100 kB

bpc() { "$@" < heldout.txt 2>/dev/null | tail -1 | awk '{ print $3 }'; }
for model in tiny lstm; do
  compile "$G/$model/$model.cfg" "$model"
  fp=$(bpc "./$model" valid "$G/$model/$model.weights")
  i8=$(bpc "./$model" valid "$G/$model/$model.weights" -precision int8)
  echo "$model held-out BPC: fp32 $fp, int8 $i8"
  awk -v a="$i8" -v b="$fp" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= .02) }' ||
    fail "$model: int8 BPC $i8 is more than .02 from fp32's $fp"
  ./"$model" valid "$G/$model/$model.weights" -precision int8 < heldout.txt 2>"$model.err" > /dev/null
  grep -q "cpu int8" "$model.err" || { cat "$model.err" >&2; fail "$model: the model line should say int8"; }
done

gen() { ./tiny generate "$G/tiny/tiny.weights" -srand 0 -seed JON -len 300 -precision int8 "$@" 2>/dev/null; }
gen -n 1 > n1.txt
gen -n 1 | cmp -s - n1.txt || fail "int8 generate differs between two runs"
"./tiny" generate "$G/tiny/tiny.weights" -srand 0 -seed JON -len 300 2>/dev/null | cmp -s - n1.txt &&
  fail "int8 generate printed fp32's text: was -precision int8 applied?"
for n in 17 32; do
  gen -n "$n" -o "n$n"
  cmp -s "n$n/sample_0.txt" n1.txt || fail "-n $n: sample 0 differs from -n 1's"
done
echo "ok   int8 generate: deterministic, -n 17 and -n 32 sample 0 = -n 1"

# An AVX2-only build (no VNNI, no AVX-512): the same integers, so the same text.
if [ "$(uname -m)" = x86_64 ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  printf '#!/usr/bin/env bash\nargs=()\nfor a in "$@"; do [ "$a" = -march=native ] && a=-march=x86-64-v3; args+=("$a"); done\nexec %s "${args[@]}"\n' \
    "${CXX:-c++}" > cxx-v3
  chmod +x cxx-v3
  compile "$G/tiny/tiny.cfg" tiny_v3 --cxx "$PWD/cxx-v3"
  ./tiny_v3 generate "$G/tiny/tiny.weights" -srand 0 -seed JON -len 300 -precision int8 -n 1 2>/dev/null |
    cmp -s - n1.txt || fail "int8 generate of an x86-64-v3 build differs from this host's build"
  ./tiny_v3 generate "$G/tiny/tiny.weights" -srand 0 -seed JON -len 300 -precision int8 -n 17 -o v3 2>/dev/null
  cmp -s v3/sample_5.txt n17/sample_5.txt || fail "int8 generate -n 17 of an x86-64-v3 build differs"
  echo "ok   int8: an x86-64-v3 build prints the same text"
fi
echo "int8: ok"
