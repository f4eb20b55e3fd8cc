#!/usr/bin/env bash
# Word-level models (darknet's -tokenized and -tokens). Everywhere: a round
# trip through cfg/words.train.cfg (tokenize a text every machine has, train a
# few batches -tokenized, generate -tokens from the batch-1 twin, also -n 3),
# and the bad input of tokenize, -tokenized and -tokens. Where ../shared is:
# darknet's word-level model (inputs=300) generates byte for byte what darknet
# printed, and tokenize rebuilds darknet's vocabulary and ids from the corpus.
source "$(dirname "$0")/lib.sh"
t0=$(date +%s)
text=/usr/share/common-licenses/GPL-3
[ -f "$text" ] || text=$SRC/README.md
compile "$SRC/cfg/words.train.cfg" words.train &
compile "$SRC/cfg/words.cfg" words
wait %1 || fail "rnnc cfg/words.train.cfg"

# Round trip.
./words tokenize -file "$text" -vocab 1000 -o gpl 2>tokenize.log || { cat tokenize.log >&2; fail "tokenize"; }
[ "$(wc -l < gpl.tokens)" = 1000 ] || fail "gpl.tokens has $(wc -l < gpl.tokens) lines, expected 1000"
[ "$(head -1 gpl.tokens)" = "<UNK>" ] || fail "gpl.tokens: line 0 is not <UNK>"
grep -qx '<NEWLINE>' gpl.tokens || fail "gpl.tokens has no <NEWLINE>"
ids=$(wc -w < gpl.ids)
[ "$ids" = "$(($(tr -s ' \t' '\n\n' < "$text" | grep -c .) + $(wc -l < "$text")))" ] || fail "gpl.ids: $ids ids, not one per word and newline"
awk '{ for (i = 1; i <= NF; i++) if ($i !~ /^[0-9]+$/ || $i >= 1000) { print "bad id " $i; exit 1 } }' gpl.ids || fail "gpl.ids"
./words.train train -tokenized -file gpl.ids -max_batches 3 -srand 1 -backup bk >train.log 2>&1 || { tail -5 train.log >&2; fail "train -tokenized"; }
[ "$(grep -cE '^[0-9]+: ' train.log)" = 3 ] || { cat train.log >&2; fail "train -tokenized: expected 3 batch lines"; }
./words generate bk/words_final.weights -tokens gpl.tokens -srand 3 -len 40 2>gen.log > gen.txt || { cat gen.log >&2; fail "generate -tokens"; }
# every printed symbol is a vocabulary token and a space: 2 for the default seed, 40 sampled
words=$(tr -s ' \n' '\n\n' < gen.txt | grep -c . || true)
[ "$words" -ge 10 ] || fail "generate -tokens printed $words words: $(head -c 300 gen.txt)"
echo "ok   round trip: tokenize ($ids ids), train -tokenized 3 batches, generate -tokens: $(tr '\n' ' ' < gen.txt | head -c 100)"
# -n 3: sample 0 is the single run's text
./words generate bk/words_final.weights -tokens gpl.tokens -srand 3 -len 40 -n 3 2>/dev/null > gen3.txt || fail "generate -tokens -n 3"
head -c "$(wc -c < gen.txt)" gen3.txt | cmp -s - gen.txt || fail "generate -tokens -n 3: sample 0 differs from -n 1"
./words generate bk/words_final.weights -tokens gpl.tokens -srand 3 -len 40 -n 3 -o samples 2>/dev/null || fail "-n 3 -o"
cat samples/sample_0.txt samples/sample_1.txt samples/sample_2.txt | cmp -s - gen3.txt || fail "-n 3 -o differs from stdout"
echo "ok   generate -tokens -n 3 (stdout and -o)"

# Bad input.
printf '1 2 3\n4 1000 5\n' > range.ids
expect_error "range.ids: token 5 (line 2, byte 8) is id 1000, but the model's ids are 0..999 (darknet: Bad char)" \
  ./words.train train -tokenized -file range.ids -max_batches 1 -backup bk2
printf '1 2 x3\n' > word.ids
expect_error "word.ids: token 3 (line 1, byte 4) is 'x3', not an integer id" ./words.train train -tokenized -file word.ids -backup bk2
printf -- '-1 2\n' > neg.ids
expect_error "is id -1" ./words.train train -tokenized -file neg.ids -backup bk2
: > empty.txt
expect_error "empty.txt: the token ids file (-tokenized -file) holds no ids" ./words.train train -tokenized -file empty.txt -backup bk2
expect_error "cannot open token ids (-tokenized -file) 'missing.ids'" ./words.train train -tokenized -file missing.ids
printf '1 2 3\n' > short.ids
expect_error "3 token ids is fewer than time_steps+1 = 33" ./words.train train -tokenized -file short.ids -backup bk2
head -999 gpl.tokens > short.tokens
expect_error "short.tokens: the vocabulary (-tokens) has 999 lines, but the model has 1000 inputs" \
  ./words generate bk/words_final.weights -tokens short.tokens -len 5
expect_error "cannot open vocabulary (-tokens) 'missing.tokens'" ./words generate bk/words_final.weights -tokens missing.tokens
expect_error "the vocabulary (-tokens) is empty" ./words generate bk/words_final.weights -tokens empty.txt
expect_error "cannot open text (-file) 'missing.txt'" ./words tokenize -file missing.txt -o x
expect_error "empty.txt: the text holds no tokens" ./words tokenize -file empty.txt -o x
printf 'a b c a\n' > tiny.txt
expect_error "the text has only 4 distinct tokens, too few for -vocab 1000" ./words tokenize -file tiny.txt -o x
expect_error "cannot write 'empty.txt/x.tokens.tmp'" ./words tokenize -file "$text" -o empty.txt/x
expect_error "-vocab must be between 2" ./words tokenize -file "$text" -vocab 1 -o x
expect_error "usage: tokenize" ./words tokenize -file "$text"
echo "round trip and bad input: $(($(date +%s) - t0)) s"

# darknet's word-level model and files.
if [ ! -d "$SHARED/golden/words" ]; then
  echo "SKIP: $SHARED/golden/words is absent (darknet's word-level model and outputs live there)"
  exit 77
fi
G=$SHARED/golden/words
compile "$G/words.cfg" goldwords
out=$(bash "$SHARED/golden/check-generate.sh" ./goldwords words)
echo "$out"
echo "$out" | tail -1 | grep -qx "2 passed, 0 failed" || fail "golden words generate"
./goldwords tokenize -file "$SHARED/data/tinyshakespeare.txt" -vocab 300 -o shakespeare 2>/dev/null || fail "tokenize tinyshakespeare"
cmp -s shakespeare.tokens "$G/words.tokens" || fail "tokenize: shakespeare.tokens differs from darknet's words.tokens"
cmp -s shakespeare.ids "$G/words.ids" || fail "tokenize: shakespeare.ids differs from darknet's words.ids"
echo "ok   tokenize rebuilds darknet's words.tokens and words.ids byte for byte"
# valid on a word-level model reads bytes as ids, as darknet's: it runs and prints a line per byte
./goldwords valid "$G/words.weights" < <(head -c 200 "$SHARED/data/tinyshakespeare.txt") 2>/dev/null > wvalid.out
[ "$(wc -l < wvalid.out)" = 199 ] || fail "valid on the word-level model"
echo "words: ok ($(($(date +%s) - t0)) s)"
