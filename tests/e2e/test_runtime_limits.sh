#!/usr/bin/env bash
# What a generated program reads from files and flags is range-checked before
# use (issue 12, items 3, 4 and 7, the programs' side):
#  - a NaN or infinite weight is refused, naming the sub-layer and index
#    (it used to load, and generate printed byte 255 forever);
#  - a weights file of the wrong size is refused from its size alone, before
#    a large model is allocated (its peak memory stays small);
#  - -temp is checked as the float it becomes; -max_batches, -len, -n, -srand,
#    -backup_every, -samples refuse values out of range; a repeated flag is named;
#  - a huge training file with a bad byte near its start is refused at once,
#    without being read into memory.
source "$(dirname "$0")/lib.sh"
corpus 20000 data.txt
cat > lim.cfg <<CFG
[net]
subdivisions=1
inputs=256
batch=8
time_steps=4
learning_rate=0.1
momentum=0.9
max_batches=10

[rnn]
output=32
activation=leaky

[connected]
output=256
activation=linear

[softmax]
CFG
compile lim.cfg lim
./lim init good.weights -srand 3 2> /dev/null || fail "init"
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

# Non-finite weights: header 20 bytes, then rnn0.input's 32 biases, then its weights.
cp good.weights nan.weights && poke nan.weights $((20 + 4 * 32 + 4 * 123)) "<f" nan
expect_error "nan.weights: rnn0.input weights\[123\] is nan" ./lim generate nan.weights -len 10 -srand 1
expect_error "nan.weights: rnn0.input weights\[123\] is nan" ./lim valid nan.weights
expect_error "nan.weights: rnn0.input weights\[123\] is nan" ./lim train nan.weights -file data.txt -backup bk
cp good.weights inf.weights && poke inf.weights $(($(wc -c < good.weights) - 4)) "<f" -inf
expect_error "inf.weights: .*\[[0-9]*\] is -inf" ./lim generate inf.weights -len 10 -srand 1
# A header whose major version would overflow major*10 (darknet's test): read as the narrow layout, checked for size.
cp good.weights major.weights && poke major.weights 0 "<i" 2147483647
expect_error "major.weights: model 'lim' needs" ./lim generate major.weights -len 10 -srand 1

# Flags.
expect_error "\-temp must be a number above 0" ./lim generate good.weights -temp 1e-50
expect_error "\-temp must be a number above 0" ./lim generate good.weights -temp 1e-40
expect_error "\-temp must be a number above 0" ./lim generate good.weights -temp 1e39
expect_error "\-max_batches must be between 0 and 2147483647, got 3000000000" ./lim train -file data.txt -max_batches 3000000000
expect_error "\-max_batches must be between 0 and 2147483647, got -5" ./lim train -file data.txt -max_batches -5
expect_error "\-backup_every must be between 1 and 2147483647, got 0" ./lim train -file data.txt -backup_every 0
expect_error "\-srand must be between -2147483648 and 4294967295, got 4294967296" ./lim generate good.weights -srand 4294967296
expect_error "\-srand must be between" ./lim train -file data.txt -srand 99999999999999999999
expect_error "\-n must be between 1 and 4096, got 0" ./lim generate good.weights -n 0
expect_error "\-samples must be between 1 and 2147483647, got -1" ./lim gradcheck -file data.txt -samples -1
expect_error "\-len must be at most 1000000000000" ./lim generate good.weights -len 1000000000001
expect_error "flag -len is given twice" ./lim generate good.weights -len 5 -len 6
expect_error "flag -clear is given twice" ./lim train good.weights -clear -clear -file data.txt
expect_error "flag -o is given twice" ./lim generate good.weights -o a -o b
./lim generate good.weights -temp 1e-30 -len 5 -srand 1 > /dev/null 2>&1 || fail "-temp 1e-30 (a normal float) was refused"
./lim train good.weights -file data.txt -backup bk0 -max_batches 0 < /dev/null > /dev/null 2>&1 || fail "-max_batches 0"
echo "ok   flag values checked (as floats where they become floats), repeated flags named"

# A wrong weights file for a large model is refused before the model is
# allocated: the check needs only stat(), so the program's peak memory stays
# small beside the model's ~550 MB (two 8192 x 8192 matrices).
cat > big.cfg <<CFG
[net]
subdivisions=1
inputs=256
batch=1
time_steps=1

[rnn]
output=8192
activation=leaky

[connected]
output=256
activation=linear

[softmax]
CFG
compile big.cfg big
rc=0
/usr/bin/time -f '%M' -o rss.txt ./big generate good.weights -len 5 -srand 1 < /dev/null > out.txt 2> err.txt || rc=$?
[ $rc -eq 1 ] || { cat err.txt >&2; fail "a small file for a large model: exit $rc, expected 1"; }
grep -q "good.weights: model 'big' needs 138436864 floats after the 20-byte header.*but the file holds 18784;" err.txt ||
  { cat err.txt >&2; fail "the size message"; }
rss=$(tail -1 rss.txt)
[ "$rss" -lt 100000 ] || fail "refusing a wrong weights file took $rss KB: the model was allocated first"
echo "ok   error: $(grep error: err.txt) (peak $rss KB)"

# A 1 GB training file (sparse: all NUL after 'hello') is refused at byte 5
# from its memory map, without reading the gigabyte.
printf 'hello' > huge.txt && truncate -s 1G huge.txt
/usr/bin/time -f '%M' -o rss.txt ./lim train -file huge.txt -backup bk < /dev/null > out.txt 2> err.txt && fail "a NUL byte was accepted"
grep -q "huge.txt: byte 5 is 0 (NUL)" err.txt || { cat err.txt >&2; fail "the NUL message"; }
rss=$(tail -1 rss.txt)
[ "$rss" -lt 200000 ] || fail "checking a 1 GB file took $rss KB of memory: it was read whole"
echo "ok   a 1 GB training file with a NUL at byte 5: refused using $rss KB"
echo "runtime limits: ok"
