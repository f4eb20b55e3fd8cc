#!/usr/bin/env bash
# generate streams its samples instead of keeping them in memory (issue 12,
# item 7): stdout keeps its format (sample 0, newline, sample 1, newline, ...),
# sample 0 streaming out as it is made and samples 1..N-1 spooled to a
# temporary file; -o DIR writes DIR/sample_K.txt per sample, and the files put
# together are stdout. Checked here:
#  - -o DIR's files equal stdout, each the seed, -len characters and a newline,
#    across several 4 KiB spool rounds and with a seed longer than one round;
#  - sample k is the same whatever -n (the spool keeps each sample in order);
#    sample 0 of -n N is -n 1's text;
#  - memory does not grow with -len: -n 64 with a 12x longer -len peaks within
#    the same 700 KB (it grew by 64 bytes a step when the samples were strings).
source "$(dirname "$0")/lib.sh"
cat > gen.cfg <<CFG
[net]
subdivisions=1
inputs=256
batch=1
time_steps=1

[rnn]
output=32
activation=leaky

[connected]
output=256
activation=linear

[softmax]
CFG
compile gen.cfg gen
./gen init w -srand 3 -scramble 2> /dev/null || fail "init"

# sample FILE K N LEN SEEDLEN: the K-th of N samples in FILE (stdout of -n N), each SEEDLEN+LEN+1 bytes.
sample() { dd if="$1" iflag=skip_bytes,count_bytes skip=$(($2 * ($4 + $5 + 1))) count=$(($4 + $5 + 1)) status=none; }

LEN=9000
./gen generate w -len $LEN -srand 7 > n1.txt 2> /dev/null || fail "generate -n 1"
for n in 1 3 7; do
  ./gen generate w -len $LEN -srand 7 -n $n > out$n.txt 2> /dev/null || fail "generate -n $n"
  [ "$(wc -c < out$n.txt)" = $((n * (LEN + 3))) ] || fail "-n $n: $(wc -c < out$n.txt) bytes on stdout, want $((n * (LEN + 3)))"
  rm -rf dir$n
  ./gen generate w -len $LEN -srand 7 -n $n -o dir$n > none.txt 2> /dev/null || fail "generate -n $n -o"
  [ ! -s none.txt ] || fail "-o DIR also printed to stdout"
  [ "$(ls dir$n | wc -l)" = $n ] || fail "-n $n -o: $(ls dir$n | wc -l) files"
  for k in $(seq 0 $((n - 1))); do
    sample out$n.txt $k $n $LEN 2 > s.txt
    cmp s.txt dir$n/sample_$k.txt || fail "-n $n: dir$n/sample_$k.txt differs from sample $k on stdout"
    [ "$(tail -c 1 s.txt | od -An -c | tr -d ' ')" = '\n' ] || fail "-n $n: sample $k does not end in a newline"
    [ "$(head -c 2 s.txt)" = "$(printf '\n\n')" ] || fail "-n $n: sample $k does not start with the seed"
  done
done
cmp <(sample out3.txt 0 3 $LEN 2) n1.txt || fail "sample 0 of -n 3 differs from -n 1"
for k in 1 2; do
  cmp <(sample out3.txt $k 3 $LEN 2) <(sample out7.txt $k 7 $LEN 2) || fail "sample $k differs between -n 3 and -n 7"
done
echo "ok   -n 1, 3, 7 over $LEN characters (3 spool rounds): -o DIR files = stdout; sample k the same whatever -n"

# A seed longer than a spool round.
head -c 5000 /dev/zero | tr '\0' 'a' > seed.txt
./gen generate w -len 100 -srand 2 -n 3 -seed "$(cat seed.txt)" > long.txt 2> /dev/null || fail "long seed"
./gen generate w -len 100 -srand 2 -n 3 -seed "$(cat seed.txt)" -o longdir 2> /dev/null || fail "long seed -o"
cat longdir/sample_0.txt longdir/sample_1.txt longdir/sample_2.txt | cmp - long.txt || fail "long seed: -o files differ from stdout"
[ "$(wc -c < long.txt)" = $((3 * 5101)) ] || fail "long seed: $(wc -c < long.txt) bytes"
echo "ok   a 5000-character seed"

# -o into something that is not a folder: one line.
touch afile
expect_error "\-o: 'afile' is not a folder" ./gen generate w -len 5 -srand 1 -o afile

# Memory: the peak must not grow with -len (not measurable under sanitizers:
# their quarantine keeps freed memory).
if [[ "${RNNC_CXXFLAGS:-}" == *-fsanitize* ]]; then
  echo "skip the memory check under sanitizers"
  echo "generate stream: ok"
  exit 0
fi
rss() { /usr/bin/time -f '%M' -o rss.txt ./gen generate w -n 64 -len "$1" -srand 1 > /dev/null 2>&1 || fail "-n 64 -len $1"; tail -1 rss.txt; }
short=$(rss 2000)
long=$(rss 24000)
echo "     -n 64: peak $short KB for -len 2000, $long KB for -len 24000"
[ $((long - short)) -lt 700 ] || fail "-n 64: the peak grew by $((long - short)) KB from -len 2000 to 24000: the samples are held in memory"
echo "ok   -n 64: memory does not grow with -len"
echo "generate stream: ok"
