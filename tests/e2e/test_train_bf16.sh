#!/usr/bin/env bash
# train -precision bf16 (the products on bf16 operands, fp32 sums; fp32
# weights, updates and files), on an [lstm] (its input, recurrent and
# output products all go through bf16):
#  - one batch from the same weights (SGD: the update is the gradient): every
#    weight's update within 1e-2 of fp32's, against the largest update;
#  - with Adam, the loss falls, and the held-out BPC after $N batches (the
#    suite runs 400 to save CI time; RNNC_BF16_BATCHES=1000 is the issue's figure; ~40 s of CPU in
#    all, both compiles included) is within .02 of fp32's from the same start;
#  - a run stopped part-way and resumed from its backup ends byte for byte
#    where the uninterrupted one does (the bf16 products are deterministic);
#  - -precision takes fp32 or bf16 only.
# Without AVX512-BF16 the reference kernel runs, and says so once
# (MARCH=x86-64-v3 builds the programs for that -march, to check it here).
source "$(dirname "$0")/lib.sh"
rnnc_args=()
if [ -n "${MARCH:-}" ]; then
  printf '#!/usr/bin/env bash\nargs=()\nfor a in "$@"; do [ "$a" = -march=native ] && a=-march=%s; args+=("$a"); done\nexec %s "${args[@]}"\n' \
    "$MARCH" "${CXX:-c++}" > cxx-march
  chmod +x cxx-march
  rnnc_args=(--cxx "$PWD/cxx-march")
fi
N=${RNNC_BF16_BATCHES:-400}
corpus 320000 all.txt
head -c 300000 all.txt > data.txt
tail -c 20000 all.txt > held.txt
model() {  # model NAME OPTIMISER-LINES
  printf '[net]\nsubdivisions=1\ninputs=256\nbatch=16\ntime_steps=32\nmomentum=0.9\nmax_batches=%s\n%s\n' "$N" "$2" > "$1.train.cfg"
  printf '[lstm]\noutput=96\n\n[connected]\noutput=256\nactivation=linear\n\n[softmax]\n' >> "$1.train.cfg"
  compile "$1.train.cfg" "$1" ${rnnc_args[@]+"${rnnc_args[@]}"}
}
model sgd $'learning_rate=0.1\ndecay=0.001'
model bf $'learning_rate=0.003\ndecay=0\nadam=1'
./bf init w0.weights -srand 3 > /dev/null 2>&1 || fail "init"

# One batch from w0 in each precision: the updates w1 - w0.
for p in fp32 bf16; do
  ./sgd train w0.weights -clear -file data.txt -srand 1 -max_batches 1 -backup one_$p -precision $p \
    < /dev/null > one_$p.log 2>&1 || { tail one_$p.log >&2; fail "one batch, -precision $p"; }
done
python3 - w0.weights one_fp32/sgd_final.weights one_bf16/sgd_final.weights > one.txt <<'PY' || { cat one.txt >&2; fail "one batch in bf16 is not fp32's within 1e-2"; }
import array, sys
def floats(path):
    a = array.array("f")
    a.frombytes(open(path, "rb").read()[20:])  # past major, minor, revision, seen
    return a
w0, f, b = (floats(p) for p in sys.argv[1:])
uf = [x - y for x, y in zip(f, w0)]
ub = [x - y for x, y in zip(b, w0)]
scale = max(abs(u) for u in uf)
worst = max(abs(x - y) for x, y in zip(ub, uf))
print("one batch: largest update %.3g, worst bf16 - fp32 difference %.3g (%.2g of it)" % (scale, worst, worst / scale))
sys.exit(not (scale > 0 and 0 < worst <= 1e-2 * scale))
PY
cat one.txt

# $N batches in each precision from w0, the held-out BPC at the end.
for p in fp32 bf16; do
  ./bf train w0.weights -clear -file data.txt -srand 1 -backup run_$p -precision $p -valid held.txt -valid_every "$N" \
    < /dev/null > run_$p.log 2>&1 || { tail run_$p.log >&2; fail "$N batches, -precision $p"; }
done
bpc() { sed -n "s/^$N: held-out \([0-9.]*\) bits per character.*/\1/p" "$1"; }
bf=$(bpc run_fp32.log) bb=$(bpc run_bf16.log)
[ -n "$bf" ] && [ -n "$bb" ] || fail "no held-out BPC at batch $N"
grep -E '^[0-9]+: ' run_bf16.log | awk -F'[:,]' '
  { loss[NR] = $2 + 0 }
  END {
    for (i = 1; i <= 10; i++) a += loss[i]; a /= 10
    for (i = NR - 29; i <= NR; i++) b += loss[i]; b /= 30
    printf "bf16 loss: first 10 batches %.3f, last 30 %.3f nats/char\n", a, b
    exit !(b == b && b < .85 * a) }' > falls.txt || { cat falls.txt >&2; fail "the bf16 loss did not fall"; }
cat falls.txt
awk -v f="$bf" -v b="$bb" -v n="$N" 'BEGIN {
  d = b - f; if (d < 0) d = -d
  printf "held-out BPC after %d batches: fp32 %.4f, bf16 %.4f (difference %.4f)\n", n, f, b, d
  exit !(d <= .02) }' || fail "bf16's held-out BPC is more than .02 from fp32's"

# Resumed: 2 x 20 batches against 40 straight, in bf16.
./bf train w0.weights -clear -file data.txt -srand 1 -max_batches 40 -backup straight -precision bf16 \
  < /dev/null > straight.log 2>&1 || { tail straight.log >&2; fail "40 batches straight"; }
./bf train w0.weights -clear -file data.txt -srand 1 -max_batches 20 -backup half -precision bf16 \
  < /dev/null > half.log 2>&1 || { tail half.log >&2; fail "20 batches"; }
./bf train half/bf_final.weights -file data.txt -srand 1 -max_batches 40 -backup resumed -precision bf16 \
  < /dev/null > resumed.log 2>&1 || { tail resumed.log >&2; fail "resume to 40"; }
grep -q 'with its momentum' resumed.log || { cat resumed.log >&2; fail "the resume did not take the state sidecar"; }
cmp -s straight/bf_final.weights resumed/bf_final.weights || fail "bf16: resumed weights differ from the straight run's"
echo "resume in bf16: 20 + 20 batches = 40 straight, byte for byte"

# The notice of the reference kernel: once, or never.
n=$(grep -c 'no bf16 arithmetic' one_bf16.log || true)
[ "$n" -le 1 ] || fail "the reference kernel's notice came $n times"
[ "$n" -eq 0 ] || echo "this build has no AVX512-BF16: the reference kernel ran"
if grep -q 'no bf16 arithmetic' one_fp32.log; then fail "the notice came with -precision fp32"; fi

expect_error "-precision is fp32 or bf16, got 'int8'" ./bf train w0.weights -file data.txt -precision int8
echo "train bf16: ok"
