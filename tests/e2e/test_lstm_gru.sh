#!/usr/bin/env bash
# [lstm] and [gru] end to end: exact gradients (double-precision finite
# differences, with and without batch norm), fused kernels against the plain
# reference, and darknet's golden generate / valid output for the golden lstm
# and gru models (those need ../shared). The repository's [lstm] and [gru]
# cfgs train and generate in test_all_cfgs.sh.
set -euo pipefail
: "${RNNC:?set RNNC to the rnnc binary}" "${SRC:?set SRC to the repository root}"
SHARED=$(cd "$SRC/.." && pwd)/shared
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Our own text: a few thousand bytes of words, no shared data needed.
awk 'BEGIN { srand(7); split("the of and to a in that it is was he for on are with as his they be at one have this from", w, " ");
             for (i = 0; i < 1500; i++) { printf "%s%s", w[int(rand() * 24) + 1], (i % 13 == 12) ? ".\n" : " " } }' > text.txt

# small CFG KIND BN: 2 gated layers of 6 and 8 units, 4 streams x 5 steps.
small() {
  local kind=$1 bn=$2 extra=""
  [ "$kind" = gru ] && extra="tanh=1"
  cat <<EOF
[net]
subdivisions=1
inputs=256
batch=4
time_steps=5
learning_rate=0.1
momentum=0.9
decay=0.001
max_batches=100

[$kind]
output=6
batch_normalize=$bn
$extra

[$kind]
output=8
batch_normalize=$bn

[connected]
output=256
activation=linear

[softmax]
EOF
}

# Gradient checks in double. Without batch norm the recurrent gradients are
# ~1e-7, where the default step's rounding noise dominates: a larger step.
for kind in lstm gru; do
  for bn in 0 1; do
    name=gc_${kind}_$bn
    small $kind $bn > $name.cfg
    "$RNNC" $name.cfg --emit-only $name.src 2>/dev/null || fail "rnnc $name.cfg"
    g++ -std=c++17 -O1 -DRNNC_REAL=double -I $name.src $name.src/program.cpp -o $name.bin -pthread || fail "g++ $name"
    step=()
    [ $bn = 0 ] && step=(-h 1e-3)
    ./$name.bin gradcheck -file text.txt -samples 30 "${step[@]}" > $name.txt || fail "gradcheck $name"
    line=$(tail -1 $name.txt)
    echo "$name: $line"
    err=${line##* }
    awk -v e="$err" 'BEGIN { exit !(e + 0 < 1e-3) }' || { cat $name.txt >&2; fail "$name: gradient error $err"; }
  done
done

# Fused kernels against the plain reference, on scrambled weights and batch
# norm statistics (without batch norm: test_pass_subsets.sh, every pass order).
head -c 400 text.txt > short.txt
for kind in lstm gru; do
  for bn in 1; do
    name=gc_${kind}_$bn
    "$RNNC" $name.cfg -o $name.fused 2>/dev/null || fail "rnnc $name.cfg"
    "$RNNC" $name.cfg -o $name.plain --no-fuse 2>/dev/null || fail "rnnc --no-fuse $name.cfg"
    ./$name.fused init $name.weights -srand 3 -scramble 2>/dev/null
    ./$name.fused probs $name.weights < short.txt > fused.txt
    ./$name.plain probs $name.weights < short.txt > plain.txt
    paste -d'\n' <(tr -s ' \n' '\n\n' < fused.txt) <(tr -s ' \n' '\n\n' < plain.txt) | awk -v name=$name '
      NR % 2 == 1 { a = $1; next }
      { n++; d = a - $1; if (d < 0) d = -d; m = (a < 0 ? -a : a); b = ($1 < 0 ? -$1 : $1); if (b > m) m = b
        if (m > 0 && d / m > worst) worst = d / m; if (d > 1e-5 * m) bad++ }
      END { printf "%s: fused vs plain, %d numbers, worst relative difference %.3g\n", name, n, worst; exit (bad > 0 || n == 0) }' ||
      fail "$name: fused and plain kernels disagree"
  done
done

# darknet's golden output.
if [ ! -d "$SHARED/golden" ]; then
  echo "SKIP: $SHARED is absent (darknet's golden lstm and gru outputs live there); the checks above passed"
  exit 77
fi
for kind in lstm gru; do
  G=$SHARED/golden/$kind
  for mode in fused plain; do
    flags=()
    [ $mode = plain ] && flags=(--no-fuse)
    "$RNNC" "$G/$kind.cfg" -o golden_${kind}_$mode "${flags[@]}" 2>/dev/null || fail "rnnc $G/$kind.cfg"
    "$SHARED/golden/check-generate.sh" ./golden_${kind}_$mode $kind > check.txt || { cat check.txt >&2; fail "golden $kind generate ($mode)"; }
    echo "golden $kind generate ($mode): $(tail -1 check.txt)"
    ours=$(./golden_${kind}_$mode valid "$G/$kind.weights" < "$G/heldout.txt" 2>/dev/null | tail -1 | awk '{ print $3 }')
    want=$(tail -1 "$G/valid.out" | awk '{ print $3 }')
    [ "$ours" = "$want" ] || fail "golden $kind valid BPC ($mode): $ours, darknet $want"
    echo "golden $kind valid BPC ($mode): $ours"
  done
done
echo "lstm/gru: ok"
