#!/usr/bin/env bash
# Bad input as a new user would give it: one clear line, a non-zero exit, no crash.
source "$(dirname "$0")/lib.sh"
good="[net]\ninputs=256\n[rnn]\noutput=16\nactivation=leaky\n[connected]\noutput=256\n[softmax]\n"
printf "$good" > good.cfg
printf "${good/output=16/output=24}" > other.cfg
expect_error "missing.cfg: error: cannot open" "$RNNC" missing.cfg -o x
printf "${good/\[rnn\]/[rnnn]}" > typo.cfg
expect_error "typo.cfg:3:1: error: unknown section \[rnnn\]" "$RNNC" typo.cfg -o x
printf "${good/leaky/leeky}" > act.cfg
expect_error "act.cfg:5:1: error: unknown activation 'leeky'" "$RNNC" act.cfg -o x
printf "${good/output=16/output=abc}" > num.cfg
expect_error "num.cfg:4:1: error: 'output' expects an integer, got 'abc'" "$RNNC" num.cfg -o x
printf "${good/output=16/output=0}" > zero.cfg
expect_error "zero.cfg:4:1: error: 'output' must be at least 1" "$RNNC" zero.cfg -o x
printf "[net]\ninputs=256\n[rnn]\noutput=16\n[connected]\noutput=256\n" > nosoftmax.cfg
expect_error "nosoftmax.cfg:5:1: error: the last layer is \[connected\]" "$RNNC" nosoftmax.cfg -o x
expect_error "unknown option --frobnicate" "$RNNC" good.cfg --frobnicate
# Sizes that overflow, floats that overflow a float, a NUL byte: refused at their line (issue 12).
printf '[net]\ninputs=256\0junk\n[rnn]\noutput=16\n[connected]\noutput=256\n[softmax]\n' > nul.cfg
expect_error "nul.cfg:2:11: error: control character 0x00" "$RNNC" nul.cfg -o x
printf "${good/inputs=256/inputs=256\\nbatch=65536\\ntime_steps=65536}" > rows.cfg
expect_error "rows.cfg:4:1: error: batch=65536 time_steps=65536 gives 4294967296 rows .* limit is 2^23-1" "$RNNC" rows.cfg -o x
printf "${good/output=16/output=2000000000}" > wide.cfg
expect_error "wide.cfg:4:1: error: output=2000000000 gives a 2000000000 x 2000000000 weight matrix .* limit is 2^31-1 elements per sub-layer" "$RNNC" wide.cfg -o x
printf "${good/inputs=256/inputs=256\\npolicy=steps\\nsteps=1e30\\nscales=.1}" > steps.cfg
expect_error "steps.cfg:4:1: error: 'steps' holds 1e30" "$RNNC" steps.cfg -o x
printf "${good/inputs=256/inputs=256\\nlearning_rate=1e39}" > lr.cfg
expect_error "lr.cfg:3:1: error: 'learning_rate=1e39' is too large for a float" "$RNNC" lr.cfg -o x
printf "${good/\[softmax\]/[softmax]\\ntemperature=1e39}" > temp.cfg
expect_error "temp.cfg:9:1: error: 'temperature=1e39' is too large for a float" "$RNNC" temp.cfg -o x

compile good.cfg good
compile other.cfg other
./other init other.weights 2>/dev/null
./good init good.weights -srand 4 2>/dev/null
expect_error "needs 9008 floats after the 20-byte header .* the file holds 13768" ./good generate other.weights
head -c 1000 good.weights > truncated.weights
expect_error "truncated.weights: model 'good' needs" ./good generate truncated.weights
printf 'hello' > tiny.weights
expect_error "too short for a darknet weights file" ./good generate tiny.weights
cat good.weights good.weights > double.weights
expect_error "is it the weights of another model" ./good valid double.weights
expect_error "cannot open weights file 'nowhere.weights'" ./good generate nowhere.weights
expect_error "\-len must be 0 or more, got -5" ./good generate good.weights -len -5
expect_error "\-temp must be a number above 0" ./good generate good.weights -temp 0
expect_error "\-seed must not be empty" ./good generate good.weights -seed ""
expect_error "flag -len expects an integer, got 'abc'" ./good generate good.weights -len abc
expect_error "unknown argument '-frob'" ./good generate good.weights -frob 3
expect_error "unknown command 'gnerate'" ./good gnerate good.weights
expect_error "which weights file" ./good generate
expect_error "\-precision is fp32, bf16 or int8" ./good generate good.weights -precision fp8
# and the same binary with good input works
./good generate good.weights -len 10 -srand 1 > /dev/null 2>&1 || fail "a good run failed"
echo "hello world" | ./good valid good.weights > /dev/null 2>&1 || fail "a good valid failed"
# a full disk: /dev/full refuses every write
if [ -w /dev/full ]; then
  expect_error "cannot write the output" sh -c './good generate good.weights -len 100000 -srand 1 > /dev/full'
fi
echo "bad input: ok"
