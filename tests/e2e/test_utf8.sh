#!/usr/bin/env bash
# generate -utf8 (issue 14): a model trained briefly on UTF-8 text (accents,
# CJK, emoji) draws broken UTF-8 when sampled byte by byte; with -utf8 every
# sample is valid UTF-8 (-n 1 and -n N, stdout and -o DIR), exactly -len
# bytes after the seed, at any temperature. Without -utf8 nothing changes
# (test_results_unchanged.sh holds generate's bytes).
source "$(dirname "$0")/lib.sh"

valid_utf8() {  # FILE: whole and valid UTF-8?
  if command -v iconv > /dev/null; then iconv -f UTF-8 -t UTF-8 "$1" > /dev/null 2>&1
  else python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$1" 2> /dev/null; fi
}

compile "$SRC/cfg/small-rnn.train.cfg" sr

# A UTF-8 text: words with 2-, 3- and 4-byte characters, mixed with ASCII, in
# an order that varies from line to line (~80 KB).
words=(café naïve résumé crème brûlée señor Ærøskøbing Zürich 東京 日本語 Ελλάδα Москва 😀 🎉 €100 “quoted” the and of a to)
n=${#words[@]}
for ((i = 0; i < 3000; i++)); do
  echo "${words[i % n]} ${words[(i * 7 + 3) % n]} ${words[(i * 13 + 5) % n]} ${words[(i * 3 + 1) % n]}"
done > utf8.txt
valid_utf8 utf8.txt || fail "the training text itself is not UTF-8"
./sr train -file utf8.txt -srand 1 -max_batches 150 -backup bk < /dev/null > train.log 2>&1 || { tail train.log >&2; fail "train on UTF-8 text"; }
w=bk/small-rnn_final.weights

# Without -utf8 a byte-level sampler breaks characters (for the record, not a requirement).
broken=0
for s in 1 2 3 4 5; do
  ./sr generate $w -srand $s -len 400 -temp 1.5 < /dev/null > plain.txt 2> /dev/null || fail "generate"
  valid_utf8 plain.txt || broken=$((broken + 1))
done
echo "ok   without -utf8, $broken of 5 samples at -temp 1.5 are broken UTF-8"

checked=0
for t in .5 1 2 5; do
  for s in 1 2 3; do
    ./sr generate $w -srand $s -len 400 -temp $t -utf8 < /dev/null > out.txt 2> err.txt || { cat err.txt >&2; fail "generate -utf8"; }
    valid_utf8 out.txt || fail "generate -utf8 -srand $s -temp $t printed invalid UTF-8"
    [ "$(wc -c < out.txt)" = $((2 + 400 + 1)) ] || fail "generate -utf8 -len 400 printed $(wc -c < out.txt) bytes, not 2 + 400 + newline"
    checked=$((checked + 1))
  done
done
echo "ok   $checked samples with -utf8 (-temp .5 to 5): valid UTF-8, exactly -len bytes"

# A seed that ends inside a character: the first bytes drawn complete it.
./sr generate $w -srand 4 -len 50 -temp 2 -seed "$(printf 'caf\xc3')" -utf8 < /dev/null > out.txt 2> err.txt || { cat err.txt >&2; fail "seed inside a character"; }
valid_utf8 out.txt || fail "a seed ending inside a character was not completed"
echo "ok   a seed ending inside a character is completed"

# -n 4: each sample its own UTF-8 state, stdout and -o DIR.
./sr generate $w -srand 9 -len 300 -temp 2 -n 4 -utf8 < /dev/null > out.txt 2> err.txt || { cat err.txt >&2; fail "generate -n 4 -utf8"; }
valid_utf8 out.txt || fail "generate -n 4 -utf8 printed invalid UTF-8"
./sr generate $w -srand 9 -len 300 -temp 2 -n 4 -utf8 -o samples < /dev/null > /dev/null 2> err.txt || { cat err.txt >&2; fail "generate -n 4 -utf8 -o"; }
for k in 0 1 2 3; do
  valid_utf8 samples/sample_$k.txt || fail "samples/sample_$k.txt is invalid UTF-8"
  [ "$(wc -c < samples/sample_$k.txt)" = $((2 + 300 + 1)) ] || fail "sample $k has the wrong length"
done
cat samples/sample_{0,1,2,3}.txt | cmp -s - out.txt || fail "-o DIR's samples differ from stdout's"
echo "ok   -n 4 -utf8: every sample valid, stdout = -o DIR"

# Bad input: one line, non-zero exit.
expect_error "-seed is not valid UTF-8 (byte 0xFF at offset 1)" ./sr generate $w -utf8 -seed "$(printf 'a\xffb')"
expect_error "-seed is not valid UTF-8 (byte 0xAF at offset 1)" ./sr generate $w -utf8 -seed "$(printf 'a\xaf')"
expect_error "needs 2 more bytes, but -len is 1" ./sr generate $w -utf8 -len 1 -seed "$(printf '\xe2')"
expect_error "unknown argument" ./sr generate $w -utf8 yes extra
expect_error "missing.weights" ./sr generate missing.weights -utf8
echo "ok   utf8"
