#!/usr/bin/env bash
# train -sample_every / -valid (issue 14): samples and held-out BPC while
# training, from a copy of the weights. The run must train to the same bytes
# with or without them; a sample is what generate prints for the weights of
# its batch; the held-out BPC is what valid prints; a resumed run appends;
# bad flags and files get one line and a non-zero exit.
source "$(dirname "$0")/lib.sh"

compile "$SRC/cfg/small-lstm.train.cfg" sl
corpus 120000 data.txt
tail -c 6000 data.txt > held.txt
head -c 100000 data.txt > train.txt

common=(train -file train.txt -srand 3 -backup_every 20)
./sl "${common[@]}" -max_batches 40 -backup plain < /dev/null > plain.log 2>&1 || { tail plain.log >&2; fail "train without watching"; }
./sl "${common[@]}" -max_batches 40 -backup watched -sample_every 20 -sample_len 80 -sample_seed 5 -sample_temp .5 \
  -valid held.txt -valid_every 10 < /dev/null > watched.log 2>&1 || { tail watched.log >&2; fail "train with -sample_every and -valid"; }

# 1. Training is untouched: the same weights, sidecar and training losses.
for f in small-lstm_final.weights small-lstm_final.weights.state small-lstm.backup small-lstm.backup.state; do
  cmp -s "plain/$f" "watched/$f" || fail "$f differs with -sample_every/-valid: the training was disturbed"
done
cut -f1-3 watched/small-lstm.loss.tsv | cmp -s - plain/small-lstm.loss.tsv || fail "the training losses differ"
echo "ok   the same weights, state and losses with and without -sample_every/-valid"

# 2. The samples file: one entry per 20 batches, each what generate prints.
s=watched/small-lstm.samples.txt
[ "$(grep -c '^== batch [0-9]* ==$' "$s")" = 2 ] || { cat "$s" >&2; fail "$s should hold batches 20 and 40"; }
grep -q '^== batch 20 ==$' "$s" && grep -q '^== batch 40 ==$' "$s" || fail "$s lacks a batch header"
./sl generate watched/small-lstm_final.weights -srand 5 -temp .5 -len 80 2>/dev/null | tail -c +3 | head -c 80 > gen.txt
awk '/^== batch 40 ==$/ { on = 1; next } on' "$s" | head -c 80 > got.txt
cmp -s gen.txt got.txt || { od -c gen.txt | head -3; od -c got.txt | head -3; fail "batch 40's sample is not what generate -srand 5 -temp .5 prints"; }
echo "ok   batch 40's sample = generate WEIGHTS -srand 5 -temp .5 -len 80"

# 3. Held-out BPC: in the TSV (4th column, bits) every 10 batches, = valid's last line.
awk -F'\t' 'NR == 1 { if ($4 != "valid_bpc") exit 1; next } $4 != "" { n++ } END { exit n != 4 }' watched/small-lstm.loss.tsv ||
  { head -3 watched/small-lstm.loss.tsv >&2; fail "the TSV should have valid_bpc at batches 10, 20, 30, 40"; }
tsv=$(awk -F'\t' '$1 == 40 { printf "%.4f", $4 }' watched/small-lstm.loss.tsv)
valid=$(./sl valid watched/small-lstm_final.weights < held.txt 2>/dev/null | tail -1 | awk '{ print $3 }')
[ "$tsv" = "$valid" ] || fail "held-out BPC at batch 40 is $tsv in the TSV but valid prints $valid"
grep -q 'held-out' watched/small-lstm.loss.svg && grep -q 'bits' watched/small-lstm.loss.svg ||
  fail "the SVG does not plot the held-out loss with its units"
grep -q 'held-out' plain/small-lstm.loss.svg && fail "the SVG without -valid changed"
grep -q '^40: held-out [0-9.]* bits per character' watched.log || fail "no held-out line on stderr"
echo "ok   held-out BPC $tsv at batch 40 = valid's; TSV column valid_bpc, SVG in nats with a bits axis"

# 4. A resumed run appends its samples; a fresh one starts the file over.
./sl train watched/small-lstm.backup -file train.txt -max_batches 60 -backup watched -sample_every 20 -sample_len 80 \
  -sample_seed 5 -sample_temp .5 < /dev/null > resume.log 2>&1 || { tail resume.log >&2; fail "resume with -sample_every"; }
[ "$(grep -c '^== batch' "$s")" = 3 ] && grep -q '^== batch 60 ==$' "$s" || { grep '^==' "$s" >&2; fail "the resumed run did not append batch 60"; }
./sl "${common[@]}" -max_batches 20 -backup watched -sample_every 20 < /dev/null > fresh.log 2>&1 || fail "fresh run"
[ "$(grep -c '^== batch' "$s")" = 1 ] || fail "a fresh run should start the samples file over"
echo "ok   a resumed run appends (batch 60), a fresh one starts over"

# 5. Bad input: one line, non-zero exit.
: > empty.txt
printf 'x' > one.txt
mkdir -p blocked/small-lstm.samples.txt
touch afile
base=(./sl train -file train.txt -max_batches 1 -backup bad)
expect_error "between 1 and" "${base[@]}" -sample_every 0
expect_error "between 1 and" "${base[@]}" -sample_every -5
expect_error "between 1 and" "${base[@]}" -sample_every 2 -sample_len 0
expect_error "between 1 and" "${base[@]}" -valid held.txt -valid_every 0
expect_error "between 1 and" "${base[@]}" -valid held.txt -valid_every -1
expect_error "go with -sample_every" "${base[@]}" -sample_len 10
expect_error "goes with -valid" "${base[@]}" -valid_every 10
expect_error "sample_temp must be" "${base[@]}" -sample_every 1 -sample_temp 0
expect_error "cannot open held-out text (-valid) 'missing.txt'" "${base[@]}" -valid missing.txt
expect_error "the held-out text has 0 characters" "${base[@]}" -valid empty.txt
expect_error "the held-out text has 1 characters" "${base[@]}" -valid one.txt
expect_error "cannot write the samples file 'blocked/small-lstm.samples.txt'" ./sl train -file train.txt -max_batches 1 -backup blocked -sample_every 1
expect_error "backup folder 'afile" ./sl train -file train.txt -max_batches 1 -backup afile/sub -sample_every 1
[ ! -e bad/small-lstm_final.weights ] || fail "a refused run trained"
echo "ok   train_samples"
