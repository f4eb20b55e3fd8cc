#!/usr/bin/env bash
# The fused program (FoldBatchNorm, FuseRecurrentStep, OneHotGather) against the
# plain reference program (rnnc --no-fuse, darknet's order of operations) on
# random weights: every output probability within a relative 1e-5 with batch
# norm, 1e-4 without it or with shortcut (those states grow, and the logits'
# sums cancel, so the kernels' different summation orders show);
# differences below 1e-7 in a probability, which no sampling sees, are not counted.
source "$(dirname "$0")/lib.sh"
corpus 120 text.txt
# Six activation / batch norm / shortcut combinations, two per model (its two
# [rnn] layers), paired so that the strict tolerance keeps the two that earn it.
i=0
for pair in "leaky 1 0|relu 1 0" "leaky 0 1|tanh 1 1" "logistic 0 0|elu 0 0"; do
  read -r act1 bn1 sc1 <<< "${pair%%|*}"
  read -r act2 bn2 sc2 <<< "${pair##*|}"
  i=$((i + 1))
  cat > m$i.cfg <<CFG
[net]
inputs=256
[rnn]
output=48
activation=$act1
batch_normalize=$bn1
shortcut=$sc1
[rnn]
output=32
activation=$act2
batch_normalize=$bn2
shortcut=$sc2
[connected]
output=256
activation=linear
batch_normalize=$bn1
[softmax]
CFG
  compile m$i.cfg fused$i
  compile m$i.cfg plain$i --no-fuse
  ./fused$i init w$i.weights -srand $i -scramble 2>/dev/null
  ./fused$i probs w$i.weights < text.txt 2>/dev/null > f.txt
  ./plain$i probs w$i.weights < text.txt 2>/dev/null > p.txt
  echo -n "rnn0 $act1 bn=$bn1 shortcut=$sc1, rnn1 $act2 bn=$bn2 shortcut=$sc2: "
  tol=$([ "$bn1$bn2" = 11 ] && [ "$sc1$sc2" = 00 ] && echo 1e-5 || echo 1e-4)
  numbers_close f.txt p.txt "$tol" || fail "fused and plain differ for $pair"
done
