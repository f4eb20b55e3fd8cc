#!/usr/bin/env bash
# Exact gradients for every [rnn] / [connected] / [softmax] option: the
# program's `gradcheck` (central finite differences of the batch's summed
# cost against the analytic gradient, every parameter of every sub-layer:
# the models are tiny), built in double. One cfg per activation; each cfg
# holds an [rnn] for each of batch_normalize 0/1 x shortcut 0/1 and a
# [connected] with and without batch norm, all with that activation; one
# more cfg checks [softmax] with groups and a temperature, and one [dropout]
# between recurrent layers ([lstm] -> [dropout] -> [gru] -> [dropout]: the
# gradient through the masks, which gradcheck freezes after its first forward
# so that every perturbed forward sees the same network). The error must
# stay below 1e-3 for every parameter.
#
# Skipped on purpose: stair, whose derivative is 0 wherever it is defined
# and which jumps at every even integer (a finite difference across a jump
# measures the jump, and nothing upstream of it has a gradient to check).
#
# What keeps the check meaningful at piecewise-linear kinks and rounding noise:
# - weights are `init -scramble`d: with darknet's zero biases, the self
#   sub-layer of every [rnn] sees exactly 0 at t = 0 (the state starts at 0),
#   the kink of relu/leaky/ramp/..., where a central difference averages the
#   two one-sided slopes and no analytic (sub)gradient can agree;
# - two steps, -h 1e-5,1e-6, the error of a parameter being the smaller: a step
#   that carries some pre-activation across a kink (batch norm amplifies a
#   perturbation by 1/sd) measures the kink, but no step agrees with a wrong gradient;
# - -floor 1e-4: errors relative to max(|fd|, |an|, 1e-4). Some gradients are
#   0 by structure (a shift that the batch norm after it removes) or 1e-6 and
#   below (deep through lhtan's .001 slope), where the differences' rounding
#   noise (a few ulps of the ~80-nat cost over 2h, amplified by batch norm's
#   1/sd) is ~1e-9 to 1e-8; the gradients that matter are 1e-2 to 30.
source "$(dirname "$0")/lib.sh"

# Our own text, no shared data needed.
awk 'BEGIN { srand(7); split("the of and to a in that it is was he for on are with as his they be at one have this from", w, " ");
             for (i = 0; i < 600; i++) { printf "%s%s", w[int(rand() * 24) + 1], (i % 13 == 12) ? ".\n" : " " } }' > text.txt

# act_cfg ACT: 5 streams x 3 steps; every [rnn] variant, both [connected] variants.
act_cfg() {
  local a=$1
  cat <<EOF
[net]
subdivisions=1
inputs=256
batch=5
time_steps=3
learning_rate=0.1
momentum=0.9
decay=0.001

[rnn]
output=7
activation=$a
batch_normalize=0

[rnn]
output=7
activation=$a
batch_normalize=1

[rnn]
output=7
activation=$a
batch_normalize=0
shortcut=1

[rnn]
output=7
activation=$a
batch_normalize=1
shortcut=1

[connected]
output=8
activation=$a
batch_normalize=1

[connected]
output=7
activation=$a
batch_normalize=0

[connected]
output=256
activation=linear

[softmax]
EOF
}

softmax_cfg() {
  cat <<EOF
[net]
subdivisions=1
inputs=256
batch=3
time_steps=3

[rnn]
output=8
activation=tanh
batch_normalize=1

[connected]
output=256
activation=linear

[softmax]
groups=2
temperature=1.7
EOF
}

# [dropout] at 0.3 and at darknet's default 0.5, between and after recurrent layers.
dropout_cfg() {
  cat <<EOF
[net]
subdivisions=1
inputs=256
batch=5
time_steps=3

[lstm]
output=8

[dropout]
probability=0.3

[gru]
output=8

[dropout]

[connected]
output=256
activation=linear

[softmax]
EOF
}

acts="logistic tanh relu leaky linear ramp elu selu loggy relie plse hardtan lhtan"
names=""
for a in $acts; do
  act_cfg $a > gc_$a.cfg
  names+=" gc_$a"
done
softmax_cfg > gc_softmax.cfg
names+=" gc_softmax"
dropout_cfg > gc_dropout.cfg
names+=" gc_dropout"

# check NAME: emit, compile in double, scramble weights, gradcheck (two at a time in the background).
check() {
  local name=$1
  { "$RNNC" $name.cfg --emit-only $name.src --no-check &&
    g++ -std=c++17 -O1 -DRNNC_REAL=double -I $name.src $name.src/program.cpp -o $name.bin -pthread &&
    ./$name.bin init $name.weights -srand 5 -scramble < /dev/null; } > $name.build.log 2>&1 ||
    { echo "FAIL: could not build $name" >> $name.build.log; return 0; }
  ./$name.bin gradcheck $name.weights -file text.txt -srand 2 -samples 1000000 -h 1e-5,1e-6 -floor 1e-4 \
    < /dev/null > $name.txt 2>> $name.build.log || echo "FAIL: gradcheck $name" >> $name.build.log
}
# shellcheck disable=SC2086 # $names: one word a cfg
two_at_a_time check $names

worst_all=0
for name in $names; do
  if grep -q '^FAIL' $name.build.log; then cat $name.build.log >&2; fail "$name: $(grep '^FAIL' $name.build.log)"; fi
  # Every tensor of every sub-layer was checked (weights and biases, scales too
  # with batch norm): 4 [rnn] = 6 + 9 + 6 + 9, [connected] 3 + 2 + 2;
  # gc_dropout: [lstm] 8 x 2, [gru] 6 x 2, [connected] 2.
  lines=$(grep -v '^gradcheck:' $name.txt | grep -c 'checked, max relative error' || true)
  case $name in gc_softmax) want=11 ;; gc_dropout) want=30 ;; *) want=37 ;; esac
  [ "$lines" -eq "$want" ] || { cat $name.txt >&2; fail "$name: $lines tensors checked, expected $want"; }
  line=$(tail -1 $name.txt)
  err=${line##* }
  worst_tensor=$(grep -v '^gradcheck:' $name.txt | awk '{ print $NF, $1, $2 }' | sort -g | tail -1 | cut -d' ' -f2-)
  echo "$name: ${line#gradcheck: } (worst: $worst_tensor)"
  awk -v e="$err" 'BEGIN { exit !(e + 0 == e + 0 && e + 0 < 1e-3) }' || { cat $name.txt >&2; fail "$name: gradient error $err"; }
  worst_all=$(awk -v a="$worst_all" -v b="$err" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
done
echo "train gradcheck: ok, worst relative error over all cfgs $worst_all"
