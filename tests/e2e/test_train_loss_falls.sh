#!/usr/bin/env bash
# Training learns: a small model, 300 batches on text every machine has
# (lib.sh's corpus), and the mean loss of the last 30 batches must be well
# below the first 10's (below 80% of it, and below 3.5 nats a character:
# a model that has learned nothing sits near ln(#distinct bytes) ~ 4).
source "$(dirname "$0")/lib.sh"
corpus 200000 data.txt
cat > learn.train.cfg <<'CFG'
[net]
subdivisions=1
inputs=256
batch=16
time_steps=16
learning_rate=0.1
momentum=0.9
decay=0.001
max_batches=300

[rnn]
output=48
activation=leaky
batch_normalize=1

[connected]
output=256
activation=linear

[softmax]
CFG
compile learn.train.cfg learn
t=$(date +%s)
./learn train -file data.txt -srand 1 -backup bk < /dev/null > train.log 2>&1 || { tail -20 train.log >&2; fail "train"; }
n=$(grep -cE '^[0-9]+: ' train.log || true)
[ "$n" -eq 300 ] || { tail train.log >&2; fail "$n batch lines, expected 300"; }
grep -E '^[0-9]+: ' train.log | awk -F'[:,]' '
  { loss[NR] = $2 + 0 }
  END {
    for (i = 1; i <= 10; i++) a += loss[i]; a /= 10
    for (i = NR - 29; i <= NR; i++) b += loss[i]; b /= 30
    printf "loss: first 10 batches %.3f, last 30 %.3f nats/char (%.0f%%)\n", a, b, 100 * b / a
    exit !(b == b && b < .8 * a && b < 3.5) }' > result.txt || { cat result.txt >&2; fail "the loss did not fall"; }
echo "$(cat result.txt) in $(($(date +%s) - t)) s"
[ -s bk/learn_final.weights ] || fail "no final weights"

# On a terminal (script(1) gives the program one) a progress line comes every
# 2 s: batch/max_batches, avg loss, chars/s and ETA. Ctrl-C then stops it.
if command -v script >/dev/null 2>&1; then
  script -qfec "./learn train -file data.txt -srand 1 -backup bk_tty -max_batches 1000000" tty.log < /dev/null > /dev/null 2>&1 &
  spid=$!
  for _ in $(seq 1 300); do
    grep -q '^progress: ' tty.log 2>/dev/null && break
    sleep 0.1
  done
  pkill -INT -f '^\./learn train .*bk_tty' || true
  wait $spid || true
  line=$(grep -m1 '^progress: ' tty.log | tr -d '\r')
  echo "$line" | grep -qE '^progress: batch [0-9]+/1000000, avg loss [0-9.]+, [0-9]+ chars/s, ETA [0-9]' ||
    { tail -5 tty.log >&2; fail "no progress line on a terminal"; }
  grep -q '^stopped at batch ' tty.log || { tail -5 tty.log >&2; fail "Ctrl-C on a terminal did not stop and save"; }
  [ -s bk_tty/learn.backup ] || fail "no backup after Ctrl-C"
  echo "on a terminal: $line"
else
  echo "SKIP (progress line): script(1) is absent"
fi
echo "train loss falls: ok"
