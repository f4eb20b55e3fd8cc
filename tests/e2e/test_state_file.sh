#!/usr/bin/env bash
# A backup's .state sidecar is data, not trusted: every field is checked
# before use (issue 12, items 1 and 2).
#  - the issue's repro: a generator index of 100000 (it indexed a 31-word
#    array on the stack) and every other field damaged on its own: one line
#    on stderr, exit 1;
#  - every 4-byte word of the sidecar's fixed part (and a sample of its
#    buffers) overwritten with hostile values: never a crash, exit 0 or 1;
#  - a sidecar that belongs to other weights (a run that died between the
#    weights' rename and the sidecar's, or RNNC_TEST_FAIL_STATE_WRITE) is
#    ignored with one warning: the resume says "darknet weights only", and
#    continues exactly as a resume without any sidecar.
source "$(dirname "$0")/lib.sh"
corpus 60000 data.txt
cat > st.cfg <<CFG
[net]
subdivisions=1
inputs=256
batch=8
time_steps=4
learning_rate=0.1
momentum=0.9
decay=0.001
max_batches=40

[rnn]
output=16
activation=leaky

[connected]
output=256
activation=linear

[softmax]
CFG
compile st.cfg st
# The many short runs below write their backups to memory where there is a tmpfs.
memory_dir state
./st train -file data.txt -srand 5 -backup bk -max_batches 20 < /dev/null > train.log 2>&1 || { tail train.log >&2; fail "train"; }
[ -s bk/st_final.weights.state ] || fail "no sidecar"
cp bk/st_final.weights good.weights
cp bk/st_final.weights.state good.state

# Layout, version 2: magic 0, parameters 8, seen 16, checksum 24, generator
# words 32..155, front 156, rear 160, streams 164, offsets 172 (8 each),
# then average loss, Adam's step, and the buffers.
streams=$(python3 -c 'import struct,sys; print(struct.unpack_from("<Q", open(sys.argv[1], "rb").read(), 164)[0])' good.state)
[ "$streams" = 8 ] || fail "the sidecar records $streams streams, this cfg runs 8"
LOSS=$((172 + 8 * streams))
ADAM=$((LOSS + 4))
BUF=$((ADAM + 4))
# poke FILE OFFSET FORMAT VALUE: overwrite bytes at OFFSET with struct.pack(FORMAT, VALUE).
poke() {
  python3 - "$@" <<'PY'
import struct, sys
path, at, fmt, value = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
value = float(value) if fmt in ("<f", "<d") else int(value)
d = bytearray(open(path, "rb").read())
b = struct.pack(fmt, value)
d[at:at + len(b)] = b
open(path, "wb").write(bytes(d))
PY
}
# damaged OFFSET FORMAT VALUE PATTERN: resume from good.weights with that damage; expect PATTERN.
damaged() {
  rm -rf case && mkdir case && cp good.weights case/w && cp good.state case/w.state
  poke case/w.state "$1" "$2" "$3"
  expect_error "$4" ./st train case/w -file data.txt -backup $BK/bk -max_batches 22
}
damaged 156 "<i" 100000 "generator state is damaged (front 100000"           # the issue's repro, at this layout's offset
damaged 160 "<i" -7 "generator state is damaged (front [0-9]*, rear -7;"
damaged 156 "<Q" 4 "generator state is damaged (front 4, rear 0;"            # in range, but not rear+3
damaged 164 "<Q" 3 "saved with 3 streams, this cfg runs 8"
damaged 172 "<Q" 60000 "stream 0 is at byte 60000, beyond the 60000-byte training file"
damaged $LOSS "<f" nan "the average loss nan is damaged"
damaged $LOSS "<f" -3 "the average loss -3 is damaged"
damaged $ADAM "<i" -1 "Adam's step -1 is out of range"
damaged $BUF "<Q" 1152921504606846976 "bias_updates claims 1152921504606846976 floats"
damaged $((BUF + 8)) "<f" inf "bias_updates\[0\] is infinite"
damaged 8 "<Q" 5 "saved for a model of 5 parameters"
damaged 0 "<B" 88 "not an rnnc training state file"
rm -rf case && mkdir case && cp good.weights case/w && head -c 100 good.state > case/w.state
expect_error "truncated training state file" ./st train case/w -file data.txt -backup $BK/bk -max_batches 22
cp good.state case/w.state && printf 'xx' >> case/w.state
expect_error "2 unexpected bytes at the end" ./st train case/w -file data.txt -backup $BK/bk -max_batches 22
# A training file shorter than the one the sidecar was saved with: the offsets no longer fit.
head -c 1000 data.txt > short.txt
cp good.state case/w.state
expect_error "beyond the 1000-byte training file" ./st train case/w -file short.txt -backup $BK/bk -max_batches 22

# Hostile values in every word of the fixed part and through the buffers: no crash.
python3 - good.state > offsets.txt <<'PY'
import sys
n = len(open(sys.argv[1], "rb").read())
print(" ".join(str(o) for o in list(range(0, 200, 4)) + list(range(200, n - 4, max(4, (n - 200) // 10 // 4 * 4)))))
PY
crashes=0 runs=0 refused=0
for at in $(cat offsets.txt); do
  for v in '\xa0\x86\x01\x00' '\xff\xff\xff\xff'; do  # 100000; and -1 as an int, a NaN as a float
    cp good.weights case/w && cp good.state case/w.state
    printf "$v" | dd of=case/w.state bs=1 seek="$at" conv=notrunc status=none
    rc=0
    ./st train case/w -file data.txt -backup $BK/bk -max_batches 22 < /dev/null > case/log 2>&1 || rc=$?
    runs=$((runs + 1))
    [ $rc -eq 1 ] && refused=$((refused + 1))
    if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
      crashes=$((crashes + 1))
      echo "exit $rc with word $v at byte $at: $(tail -1 case/log)" >&2
    fi
    if [ $rc -eq 1 ] && [ "$(wc -l < case/log)" -ne 1 ]; then
      crashes=$((crashes + 1))
      echo "word $v at byte $at: more than one line on stderr:" >&2
      cat case/log >&2
    fi
  done
done
[ $crashes -eq 0 ] || fail "$crashes of $runs damaged sidecars crashed the trainer"
[ $refused -ge $((runs / 4)) ] || fail "only $refused of $runs damaged sidecars were refused: is the damage reaching the file?"
echo "ok   $runs damaged sidecars: $refused refused with one line, the rest harmless (generator words, seen/checksum: a warning), none crashed"

# A sidecar of other weights: backups every 5 batches, then the batch-10
# sidecar put beside the batch-15 weights (what a kill between the two renames leaves).
./st train -file data.txt -srand 5 -backup pair -backup_every 5 -max_batches 10 < /dev/null > p10.log 2>&1 || fail "train to 10"
cp pair/st.backup.state state10
./st train -file data.txt -srand 5 -backup pair -backup_every 5 -max_batches 15 < /dev/null > p15.log 2>&1 || fail "train to 15"
cp pair/st.backup w15 && cp state10 w15.state
./st train w15 -file data.txt -srand 7 -backup stale -max_batches 25 < /dev/null > stale.log 2>&1 || { cat stale.log >&2; fail "resume from a stale pair"; }
grep -q "^warning: w15.state was written with other weights (seen 320, these have 480); ignoring it" stale.log ||
  { head -5 stale.log >&2; fail "no warning for a stale sidecar"; }
grep -q "resuming from w15 at batch 15 (darknet weights only" stale.log || { head -5 stale.log >&2; fail "stale resume message"; }
cp pair/st.backup w15plain
./st train w15plain -file data.txt -srand 7 -backup plain -max_batches 25 < /dev/null > plain.log 2>&1 || fail "plain resume"
cmp stale/st_final.weights plain/st_final.weights || fail "a stale sidecar changed the resume: it must be ignored entirely"
echo "ok   a batch-10 sidecar beside batch-15 weights: one warning, resumed as darknet does (same weights as without it)"

# Same seen, other bytes: the checksum tells them apart.
cp pair/st.backup w15b && cp pair/st.backup.state w15b.state
poke w15b 40 "<f" 0.25
./st train w15b -file data.txt -backup stale2 -max_batches 16 < /dev/null > stale2.log 2>&1 || fail "resume, checksum"
grep -q "warning: w15b.state was written with other weights (seen 480, these have 480, and a different checksum)" stale2.log ||
  { head -5 stale2.log >&2; fail "no warning for a checksum mismatch"; }
echo "ok   same seen, one weight changed: the checksum mismatch is warned about"

# The injected failure: the 2nd backup's sidecar write fails after its weights were renamed in.
rc=0
RNNC_TEST_FAIL_STATE_WRITE=2 ./st train -file data.txt -srand 5 -backup inj -backup_every 5 -max_batches 20 < /dev/null > inj.log 2>&1 || rc=$?
[ $rc -eq 1 ] || { cat inj.log >&2; fail "the injected failure exited $rc, expected 1"; }
grep -q "failure injected by RNNC_TEST_FAIL_STATE_WRITE" inj.log || fail "no injected-failure message"
./st train inj/st.backup -file data.txt -backup inj2 -max_batches 12 < /dev/null > inj2.log 2>&1 || fail "resume after the injected failure"
grep -q "seen 160, these have 320" inj2.log && grep -q "(darknet weights only" inj2.log || { head -5 inj2.log >&2; fail "resume after the injected failure: no warning"; }
echo "ok   injected failed sidecar write: exit 1; the resume warns and ignores the older sidecar"

# An older (version 1) sidecar cannot be matched to its weights: ignored with a warning.
cp good.weights old.weights && cp good.state old.weights.state && poke old.weights.state 7 "<B" 49
./st train old.weights -file data.txt -backup oldv -max_batches 21 < /dev/null > oldv.log 2>&1 || fail "resume with a v1 sidecar"
grep -q "warning: old.weights.state is from an older rnnc" oldv.log || { head -5 oldv.log >&2; fail "v1 sidecar warning"; }
echo "ok   a version-1 sidecar: warned about and ignored"
echo "state file: ok"
