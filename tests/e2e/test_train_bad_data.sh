#!/usr/bin/env bash
# Bad training input stops `train` before its first batch with one clear
# line on stderr and a non-zero exit (not a crash): an empty data file, one
# shorter than time_steps + 1, a NUL byte, a missing file, and a backup
# folder that cannot be made or written (under /proc, under a regular file,
# a regular file itself, a read-only file system).
source "$(dirname "$0")/lib.sh"
cat > bad.train.cfg <<'CFG'
[net]
subdivisions=1
inputs=256
batch=4
time_steps=8
max_batches=5

[rnn]
output=8
activation=leaky

[connected]
output=256
activation=linear

[softmax]
CFG
compile bad.train.cfg bad
corpus 3000 good.txt
: > empty.txt
printf 'abcdefgh' > short.txt
printf 'a few words\nand then\0 a NUL byte, then more words to make it long enough' > nul.txt
touch plain-file

# bad_train PATTERN ARGS...: exactly one stderr line, matching PATTERN; exit 1..127; no batch trained.
bad_train() {
  local pattern=$1
  shift
  expect_error "$pattern" ./bad train "$@" -srand 1
  [ "$(wc -l < err.txt)" -eq 1 ] || { cat err.txt >&2; fail "train $*: more than one line on stderr"; }
  ! grep -qE '^[0-9]+: ' out.txt err.txt || fail "train $*: a batch ran"
}
bad_train "empty.txt: the training file is empty" -file empty.txt
bad_train "short.txt: 8 bytes is shorter than time_steps+1 = 9" -file short.txt
bad_train "nul.txt: byte 20 is 0 (NUL)" -file nul.txt
bad_train "cannot open training data 'missing.txt': No such file or directory" -file missing.txt
bad_train "cannot create the backup folder '/proc/rnnc-test" -file good.txt -backup /proc/rnnc-test/backup
bad_train "cannot create the backup folder 'plain-file/sub': Not a directory" -file good.txt -backup plain-file/sub
bad_train "the backup folder 'plain-file' is not a folder" -file good.txt -backup plain-file
if [ -d /sys ] && ! touch /sys/rnnc-write-test 2> /dev/null; then
  bad_train "cannot write in the backup folder '/sys'" -file good.txt -backup /sys
else
  echo "skip a read-only backup folder: /sys is writable or absent here"
fi
# The same program with good input trains.
./bad train -file good.txt -srand 1 -backup ok < /dev/null > out.txt 2> err.txt || { cat err.txt >&2; fail "a good run failed"; }
[ -s ok/bad_final.weights ] || fail "no final weights from the good run"
[ -z "$(ls -A ok | grep rnnc-write-test || true)" ] || fail "the write probe was left in the backup folder"
echo "train bad data: ok"
