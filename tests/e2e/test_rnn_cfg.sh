#!/usr/bin/env bash
# darknet's own cfg/rnn.cfg (3 x [rnn] 1024) compiles, and its program
# generates from weights it wrote, in each precision and several samples at once.
source "$(dirname "$0")/lib.sh"
compile "$SRC/cfg/rnn.cfg" rnn
./rnn init rnn.weights -srand 2 2>/dev/null
[ "$(stat -c %s rnn.weights)" = $((20 + 4 * 8950016)) ] || fail "rnn.weights size"
for p in fp32 bf16 int8; do
  ./rnn generate rnn.weights -srand 1 -seed "JON" -len 50 -precision $p 2>err.txt > out.txt
  [ "$(head -c 3 out.txt)" = "JON" ] || fail "seed not printed"
  [ "$(wc -c < out.txt)" = 54 ] || fail "expected 3 + 50 characters and a newline ($p)"
done
grep -q "3 x \[rnn\] 1024" err.txt || fail "the model line on stderr"
./rnn generate rnn.weights -srand 1 -len 20 -n 3 2>/dev/null > n3.txt
[ "$(wc -l < n3.txt)" -ge 3 ] || fail "-n 3"
./rnn --help > help.txt || fail "--help exits non-zero"
grep -q "generate WEIGHTS" help.txt || fail "--help"
echo "cfg/rnn.cfg: ok"
