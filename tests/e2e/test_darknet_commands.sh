#!/usr/bin/env bash
# darknet's other rnn commands: vec, generatetactic, validtactic against
# darknet's own outputs for golden/tiny, and -seed_file (generate, valid, vec,
# validtactic); then their bad input: one clear line, a non-zero exit, no crash.
# generatetactic is byte-identical; vec's and validtactic's figures are floats
# summed in another order than darknet's -Ofast build, so (as valid's) they
# are compared as numbers (relative 1e-4), their text and count exactly.
source "$(dirname "$0")/lib.sh"
need_shared
G=$SHARED/golden/tiny
compile "$G/tiny.cfg" tiny
W=$G/tiny.weights

# generatetactic: byte for byte.
./tiny generatetactic "$W" -srand 5 -len 300 < "$G/tactic_in.txt" 2>/dev/null > gentactic.out
cmp -s gentactic.out "$G/gentactic.out" || fail "generatetactic differs from darknet's gentactic.out"
echo "ok   generatetactic -srand 5 -len 300: byte-identical"

# vec: the stripped lines exactly (they may hold commas), the first layer's 96 outputs as numbers.
./tiny vec "$W" < "$G/vec_in.txt" 2>/dev/null > vec.out
[ "$(wc -l < vec.out)" = "$(wc -l < "$G/vec.out")" ] || fail "vec: $(wc -l < vec.out) lines, darknet printed $(wc -l < "$G/vec.out")"
text() { awk -F, '{ s = $1; for (i = 2; i <= NF - 96; i++) s = s "," $i; print s }' "$1"; }
values() { awk -F, '{ for (i = NF - 95; i <= NF; i++) printf "%s ", $i; print "" }' "$1"; }
cmp -s <(text vec.out) <(text "$G/vec.out") || fail "vec: the stripped lines differ"
numbers_close <(values vec.out) <(values "$G/vec.out") 1e-4 || fail "vec: values differ"
echo "ok   vec"

# validtactic: the same lines, the same counts, perplexities within 1e-4.
./tiny validtactic "$W" < "$G/vtactic_in.txt" 2>/dev/null > vtactic.out
[ "$(wc -l < vtactic.out)" = "$(wc -l < "$G/vtactic.out")" ] || fail "validtactic: line count differs"
cmp -s <(awk '{ print $1, $2, $3, $5, $6 }' vtactic.out) <(awk '{ print $1, $2, $3, $5, $6 }' "$G/vtactic.out") ||
  fail "validtactic: counts or words differ"
numbers_close <(awk '{ print $4, $7 }' vtactic.out) <(awk '{ print $4, $7 }' "$G/vtactic.out") 1e-4 ||
  fail "validtactic: perplexities differ"
echo "ok   validtactic ($(wc -l < vtactic.out) lines)"

# -seed_file: the same as -seed with the file's bytes.
printf 'JON' > jon.txt
./tiny generate "$W" -srand 0 -seed_file jon.txt -len 500 2>/dev/null | cmp -s - "$G/g1.out" || fail "generate -seed_file"
printf '\n\n' > nl.txt
./tiny valid "$W" -seed_file nl.txt < "$G/heldout.txt" 2>/dev/null | cmp -s - <(./tiny valid "$W" < "$G/heldout.txt" 2>/dev/null) ||
  fail "valid -seed_file"
./tiny vec "$W" -seed_file nl.txt < "$G/vec_in.txt" 2>/dev/null | cmp -s - vec.out || fail "vec -seed_file"
head -c 2000 "$G/heldout.txt" > para.txt  # a whole paragraph as the seed
./tiny generate "$W" -srand 1 -seed_file para.txt -len 50 2>/dev/null | cmp -s - <(./tiny generate "$W" -srand 1 -seed "$(cat para.txt)" -len 50 2>/dev/null) ||
  fail "generate -seed_file with a paragraph"
echo "ok   -seed_file (generate, valid, vec)"

# Bad input.
: > empty.txt
expect_error "both give the seed" ./tiny generate "$W" -seed JON -seed_file jon.txt
expect_error "cannot open seed file (-seed_file) 'missing.txt'" ./tiny valid "$W" -seed_file missing.txt
expect_error "empty.txt: the file is empty" ./tiny vec "$W" -seed_file empty.txt
expect_error "vec: stdin is empty" ./tiny vec "$W"
expect_error "generatetactic: stdin is empty" ./tiny generatetactic "$W" -srand 1
expect_error "validtactic: stdin is empty" ./tiny validtactic "$W"
expect_error "cannot open vocabulary (-tokens) 'missing.tokens'" ./tiny generatetactic "$W" -tokens missing.tokens
expect_error "cannot open weights file 'missing.weights'" bash -c "./tiny vec missing.weights < '$G/vec_in.txt'"
expect_error "which weights file" ./tiny validtactic
expect_error "unknown argument '-n'" ./tiny generatetactic "$W" -n 2
echo "darknet commands: ok"
