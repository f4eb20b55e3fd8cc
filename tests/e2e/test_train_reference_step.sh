#!/usr/bin/env bash
# rnnc's trainer against an independent plain reference
# (tests/reference/rnn_step_reference.cpp: double precision, darknet's
# semantics with rnnc's exact gradients, C's own srand()/rand() for the
# stream offsets): from the same weights, data and -srand, one batch (and
# then three, where momentum carries over and streams may jump), every saved
# parameter (weights, biases, batch-norm scales and rolling statistics) must
# agree to 1e-4 relative (1e-6 absolute floor), and so must the momentum
# buffers and stream offsets in the .state sidecar. The program is built in
# double (its saved floats are then rounded once, like the reference's); the
# fp32 program as rnnc builds it must make the same first update to 2e-4
# of the largest change. And the comparison must be able to fail: the reference run
# with the learning rate off by 0.1% must not pass.
source "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || { echo "SKIP: python3 is needed to compare the files"; exit 77; }
CMP="python3 $SRC/tests/reference/compare_training.py"
g++ -std=c++17 -O2 -o ref "$SRC/tests/reference/rnn_step_reference.cpp" || fail "g++ the reference"

awk 'BEGIN { srand(11); split("the of and to a in that it is was he for on are with as his they be at one have this from", w, " ");
             for (i = 0; i < 800; i++) { printf "%s%s", w[int(rand() * 24) + 1], (i % 13 == 12) ? ".\n" : " " } }' > data.txt

# The brief's model: an [rnn] with batch norm, a [connected], the softmax.
cat > one.train.cfg <<'CFG'
[net]
subdivisions=1
inputs=256
batch=4
time_steps=5
learning_rate=0.5
momentum=0.9
decay=0.01
max_batches=100

[rnn]
output=8
activation=leaky
batch_normalize=1

[connected]
output=256
activation=linear

[softmax]
CFG
# More of the options: shortcut without batch norm, a stacked [rnn], a [connected] with batch norm.
cat > two.train.cfg <<'CFG'
[net]
subdivisions=1
inputs=256
batch=3
time_steps=6
learning_rate=0.3
momentum=0.8
decay=0.005

[rnn]
output=7
activation=tanh
shortcut=1

[rnn]
output=6
activation=logistic
batch_normalize=1

[connected]
output=9
activation=relu
batch_normalize=1

[connected]
output=256
activation=linear

[softmax]
CFG

for m in one two; do
  "$RNNC" $m.train.cfg -o $m > $m.rnnc.log 2>&1 || { cat $m.rnnc.log >&2; fail "rnnc $m.train.cfg"; }
  "$RNNC" $m.train.cfg --emit-only $m.src > /dev/null 2>&1 || fail "rnnc --emit-only $m.train.cfg"
  g++ -std=c++17 -O1 -DRNNC_REAL=double -I $m.src $m.src/program.cpp -o $m.double -pthread || fail "g++ $m in double"
  ./$m init $m.start -srand 3 -scramble < /dev/null 2> /dev/null || fail "$m init"
  for batches in 1 3; do
    tag="$m, $batches batch(es)"
    ./ref $m.train.cfg $m.start data.txt ref.w -srand 7 -batches $batches -momentum ref.mom -offsets ref.off > ref.log ||
      fail "reference $tag"
    builds="double fp32"
    # fp32 rounding, amplified by batch norm's 1/sd, compounds over batches: fp32 is held to batch 1.
    [ $batches = 1 ] || builds=double
    for build in $builds; do
      bin=./$m.$build
      [ $build = fp32 ] && bin=./$m
      rm -rf bk
      $bin train $m.start -file data.txt -srand 7 -max_batches $batches -backup bk < /dev/null > train.log 2>&1 ||
        { cat train.log >&2; fail "train $tag ($build)"; }
      # The printed losses: the same 6 decimals.
      ours=$(grep -E '^[0-9]+: ' train.log | sed -E 's/^([0-9]+): ([^,]*),.*/\1: \2/')
      [ "$ours" = "$(cat ref.log)" ] || { paste <(echo "$ours") ref.log >&2; fail "$tag ($build): the losses differ"; }
      if [ $build = double ]; then
        r=$($CMP weights $m.start bk/${m}_final.weights ref.w 1e-4 1e-6) || fail "$tag: weights: $r"
        echo "ok   $tag, double: losses $(tr '\n' ' ' < ref.log)"
        echo "       weights: $r"
        r=$($CMP momentum bk/${m}_final.weights.state ref.mom 1e-4 1e-5) || fail "$tag: momentum: $r"
        echo "       $r"
        r=$($CMP offsets bk/${m}_final.weights.state ref.off) || fail "$tag: $r"
        echo "       $r"
      else
        # fp32 rounding moves values by ~1e-7 absolute (and a batch-norm backward
        # amplifies it to ~3e-5 of the update): the update must agree to 2e-4 of the largest change.
        r=$($CMP weights $m.start bk/${m}_final.weights ref.w 1 1) || fail "$tag: fp32 weights: $r"
        upd=$(echo "$r" | sed -E 's/.*differs by ([^ ]*) of.*/\1/')
        awk -v u="$upd" 'BEGIN { exit !(u + 0 < 2e-4) }' || fail "$tag: the fp32 program's update: $r"
        echo "ok   $tag, fp32: $r"
      fi
    done
  done
done

# The check can fail: the learning rate off by 0.1%.
./ref one.train.cfg one.start data.txt bad.w -srand 7 -batches 1 -lr_scale 1.001 > /dev/null || fail "reference"
rm -rf bk
./one.double train one.start -file data.txt -srand 7 -max_batches 1 -backup bk < /dev/null > /dev/null 2>&1 || fail "train"
if r=$($CMP weights one.start bk/one_final.weights bad.w 1e-4 1e-6); then fail "a 0.1% learning-rate error went unnoticed: $r"; fi
echo "ok   the learning rate off by 0.1% is caught: $r"
echo "train reference step: ok"
