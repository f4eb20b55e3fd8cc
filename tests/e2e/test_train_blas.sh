#!/usr/bin/env bash
# A model with sub-layers 512 wide links (under --plan fixed) a static OpenBLAS for its large
# training products (runtime/rnnc/product_plan.h's fixed_kernel): the program must
# need no OpenBLAS at run time, and one batch of training must make the same
# update as the same program built --no-blas (rnnc's own kernels) to 1e-3 of
# the largest change; a batch on other data must not pass that check.
# Skipped where the compiler finds no libopenblas.a.
source "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || { echo "SKIP: python3 is needed to compare the files"; exit 77; }
CMP="python3 $SRC/tests/reference/compare_training.py"

# 8 streams x 64 steps = 512 rows: the output sub-layer's products and the
# weight gradients of the self and output sub-layers go to OpenBLAS.
cp "$SRC/tests/e2e/cfg/wide-512.train.cfg" wide.train.cfg
corpus 200000 data.txt

"$RNNC" wide.train.cfg -o blas -v --plan fixed 2> blas.rnnc.log || { cat blas.rnnc.log >&2; fail "rnnc wide.train.cfg"; }
if ! grep -q "OpenBLAS linked" blas.rnnc.log; then
  echo "SKIP: no static OpenBLAS here ($(grep -m1 'OpenBLAS for' blas.rnnc.log || echo 'rnnc did not look'))"
  exit 77
fi
nm ./blas > blas.symbols; grep -q " T cblas_sgemm" blas.symbols || fail "OpenBLAS's sgemm is not in the program (built without -DRNNC_BLAS?)"
ldd ./blas > blas.ldd 2>&1 || true
if grep -qi openblas blas.ldd; then fail "the program needs OpenBLAS at run time: $(ldd ./blas | grep -i openblas)"; fi
compile wide.train.cfg own --no-blas --plan fixed
grep -q "OpenBLAS" own.rnnc.log && fail "--no-blas still linked OpenBLAS"

./own init start.weights -srand 3 -scramble < /dev/null 2> /dev/null || fail "init"
for bin in blas own; do
  rm -rf bk_$bin
  ./$bin train start.weights -file data.txt -srand 7 -max_batches 1 -backup bk_$bin < /dev/null > $bin.log 2>&1 ||
    { cat $bin.log >&2; fail "train ($bin)"; }
done
r=$($CMP weights start.weights bk_blas/wide_final.weights bk_own/wide_final.weights 1 1) || fail "weights: $r"
upd=$(echo "$r" | sed -E 's/.*differs by ([^ ]*) of.*/\1/')
awk -v u="$upd" 'BEGIN { exit !(u + 0 < 1e-3) }' || fail "OpenBLAS's update differs from rnnc's kernels': $r"
echo "ok   OpenBLAS against rnnc's kernels, one batch: $r"

# The check can fail: the same batch on other data (another -srand).
rm -rf bk_other
./own train start.weights -file data.txt -srand 8 -max_batches 1 -backup bk_other < /dev/null > other.log 2>&1 || fail "train"
r=$($CMP weights start.weights bk_blas/wide_final.weights bk_other/wide_final.weights 1 1) || true
upd=$(echo "$r" | sed -E 's/.*differs by ([^ ]*) of.*/\1/')
awk -v u="$upd" 'BEGIN { exit !(u + 0 >= 1e-3) }' || fail "a batch of other data went unnoticed: $r"
echo "ok   a batch of other data is caught: $r"
echo "train with OpenBLAS: ok"
