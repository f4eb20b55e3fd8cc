#!/usr/bin/env bash
# Interrupted training resumes exactly. N batches uninterrupted give weights
# A; then the same run stopped part-way and resumed from its backup to N must
# give A byte for byte (the .state sidecar keeps momentum, the generator,
# the stream offsets and the average loss):
#  - stopped deterministically: -max_batches K writes <base>_final.weights and
#    its sidecar; resume from it with -max_batches N;
#  - stopped by SIGINT once the log shows some batch: the program finishes
#    the batch, writes <base>.backup (+ .state) in -backup DIR, exits 0.
# Without the sidecar a resume still works, darknet-style: it starts at the
# backup's batch count (from `seen`); -clear starts again at batch 1.
source "$(dirname "$0")/lib.sh"
corpus 100000 data.txt
N=3000
cat > res.train.cfg <<CFG
[net]
subdivisions=1
inputs=256
batch=16
time_steps=16
learning_rate=0.1
momentum=0.9
decay=0.001
max_batches=$N

[rnn]
output=64
activation=leaky
batch_normalize=1

[connected]
output=256
activation=linear

[softmax]
CFG
compile res.train.cfg res
seen_of() { python3 -c 'import struct,sys; print(struct.unpack_from("<Q", open(sys.argv[1], "rb").read(), 12)[0])' "$1"; }
rows=256  # batch x time_steps: what `seen` counts per batch

t=$(date +%s)
./res train -file data.txt -srand 5 -backup full < /dev/null > full.log 2>&1 || { tail full.log >&2; fail "uninterrupted run"; }
[ -s full/res_final.weights ] || fail "no full/res_final.weights"
[ "$(seen_of full/res_final.weights)" = $((N * rows)) ] || fail "seen of the uninterrupted run: $(seen_of full/res_final.weights)"
echo "ok   $N batches uninterrupted in $(($(date +%s) - t)) s: $(grep -E "^$N: " full.log | cut -d, -f1-2)"

# Deterministic: K batches, then resume from the final weights to N.
K=37
./res train -file data.txt -srand 5 -backup part -max_batches $K < /dev/null > part.log 2>&1 || fail "run to $K"
[ -s part/res_final.weights.state ] || fail "no sidecar beside part/res_final.weights"
./res train part/res_final.weights -file data.txt -srand 99 -backup part2 < /dev/null > part2.log 2>&1 ||
  { tail part2.log >&2; fail "resume from batch $K"; }
grep -q "resuming from part/res_final.weights at batch $K (with its momentum" part2.log || { head -5 part2.log >&2; fail "resume message"; }
[ "$(grep -E '^[0-9]+: ' part2.log | head -1 | cut -d: -f1)" = $((K + 1)) ] || fail "the resumed run did not start at batch $((K + 1))"
cmp full/res_final.weights part2/res_final.weights || fail "stopped at $K and resumed: the weights differ from the uninterrupted run's"
echo "ok   stopped at $K (-max_batches), resumed to $N with -srand 99: byte-identical weights"

# SIGINT once some batch is logged.
./res train -file data.txt -srand 5 -backup int < /dev/null > int.log 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  grep -qE '^2[0-9]: ' int.log 2>/dev/null && break
  sleep 0.02
done
kill -INT $pid 2>/dev/null || fail "the run ended before it could be interrupted"
rc=0
wait $pid || rc=$?
[ $rc -eq 0 ] || { tail int.log >&2; fail "the interrupted run exited $rc, expected 0"; }
stop=$(sed -nE 's/^stopped at batch ([0-9]+);.*/\1/p' int.log)
[ -n "$stop" ] || { tail int.log >&2; fail "no 'stopped at batch' line"; }
[ "$stop" -lt $N ] || fail "the run finished ($stop batches) before the interrupt"
[ -s int/res.backup ] && [ -s int/res.backup.state ] || fail "no int/res.backup and its .state"
[ ! -e int/res_final.weights ] || fail "an interrupted run wrote final weights"
[ "$(seen_of int/res.backup)" = $((stop * rows)) ] || fail "seen of the backup: $(seen_of int/res.backup), batch $stop"
cp int/res.backup saved.backup
./res train int/res.backup -file data.txt -backup int < /dev/null > int2.log 2>&1 || { tail int2.log >&2; fail "resume after SIGINT"; }
cmp full/res_final.weights int/res_final.weights || fail "interrupted at $stop and resumed: the weights differ from the uninterrupted run's"
echo "ok   SIGINT at batch $stop: exit 0, int/res.backup + .state; resumed to $N: byte-identical weights"

# No sidecar: darknet's resume, from seen.
cp saved.backup plain.backup
./res train plain.backup -file data.txt -srand 5 -backup plain -max_batches $((stop + 20)) < /dev/null > plain.log 2>&1 ||
  { tail plain.log >&2; fail "resume without a sidecar"; }
grep -q "resuming from plain.backup at batch $stop (darknet weights only" plain.log || { head -5 plain.log >&2; fail "resume message without a sidecar"; }
first=$(grep -E '^[0-9]+: ' plain.log | head -1 | cut -d: -f1)
count=$(grep -cE '^[0-9]+: ' plain.log)
[ "$first" = $((stop + 1)) ] && [ "$count" = 20 ] || fail "without a sidecar: first batch $first, $count batches (want $((stop + 1)), 20)"
[ "$(seen_of plain/res_final.weights)" = $(((stop + 20) * rows)) ] || fail "seen without a sidecar"
echo "ok   without the sidecar: batches $first..$((stop + 20)) from seen, $(grep -E "^$((stop + 20)): " plain.log | cut -d, -f1-2)"

# -clear: from batch 1 again.
./res train saved.backup -clear -file data.txt -srand 5 -backup clear -max_batches 15 < /dev/null > clear.log 2>&1 ||
  { tail clear.log >&2; fail "-clear"; }
first=$(grep -E '^[0-9]+: ' clear.log | head -1 | cut -d: -f1)
count=$(grep -cE '^[0-9]+: ' clear.log)
[ "$first" = 1 ] && [ "$count" = 15 ] || fail "-clear: first batch $first, $count batches (want 1, 15)"
[ "$(seen_of clear/res_final.weights)" = $((15 * rows)) ] || fail "seen after -clear"
echo "ok   -clear: batches 1..15"
echo "train resume: ok ($(($(date +%s) - t)) s)"
