#!/usr/bin/env bash
# Every cfg in cfg/: rnnc compiles it (two at a time), the program writes
# fresh weights and generates 50 characters from them, and the training cfgs
# (batch > 1) run a few batches, whose losses must all be finite; a train
# cfg's weights must then load into its batch-1 twin (X.train.cfg -> X.cfg).
# The first line of every cfg must be a comment saying what it is for.
# A word-level cfg (inputs other than 256) trains -tokenized on the same text,
# tokenized by its own program (PROGRAM tokenize -vocab INPUTS).
source "$(dirname "$0")/lib.sh"

shopt -s nullglob
cfgs=("$SRC"/cfg/*.cfg)
[ ${#cfgs[@]} -gt 0 ] || fail "no cfg in $SRC/cfg"
for cfg in "${cfgs[@]}"; do
  head -1 "$cfg" | grep -qE '^# .{10,}' || fail "$cfg: the first line should be a '# ...' comment saying what the cfg is for"
done

# cfgval CFG KEY: the [net] value of KEY (darknet's default when absent).
cfgval() {
  local v
  v=$(tr -d ' \t\r' < "$1" | sed -n "s/^$2=//p" | head -1)
  echo "${v:-$3}"
}
# Hidden units of all layers but the output: what a training row's activations scale with.
units() { tr -d ' \t\r' < "$1" | sed -n 's/^output=//p' | awk -v inputs="$(cfgval "$1" inputs 256)" '{ s += $1 } END { print s - inputs }'; }
t0=$(date +%s)
# Compile, two jobs at a time; a job leaves NAME.built behind or its rnnc log.
# A cfg whose training below is big (darknet's rnn.train.cfg) is built with
# rnnc's own flags whatever RNNC_CXXFLAGS says (the suite's -O1 leaves its
# pointwise loops scalar, for a minute's batch).
big_training() {
  local rows=$(( $(cfgval "$1" batch 1) * $(cfgval "$1" time_steps 1) ))
  [ "$rows" -gt 1 ] && [ $((rows * $(units "$1"))) -gt 50000000 ]
}
build_one() {
  local cfg=$1 name flags=${RNNC_CXXFLAGS:-}
  name=$(basename "$cfg" .cfg)
  big_training "$cfg" && flags=
  if RNNC_CXXFLAGS=$flags "$RNNC" "$cfg" -o "$name" 2>"$name.rnnc.log"; then touch "$name.built"; fi
}
two_at_a_time build_one "${cfgs[@]}"
for cfg in "${cfgs[@]}"; do
  name=$(basename "$cfg" .cfg)
  [ -f "$name.built" ] || { cat "$name.rnnc.log" >&2; fail "rnnc $cfg"; }
done
echo "compiled ${#cfgs[@]} cfgs in $(($(date +%s) - t0)) s"

mem_avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)

: > data.txt  # corpus appends to it where the shared corpus is absent
corpus 300000 data.txt

for cfg in "${cfgs[@]}"; do
  name=$(basename "$cfg" .cfg)
  t=$(date +%s)
  ./"$name" init "$name.weights" -srand 1 2>"$name.init.log" || { cat "$name.init.log" >&2; fail "$name init"; }
  ./"$name" generate "$name.weights" -len 50 -srand 1 </dev/null >"$name.gen.txt" 2>"$name.gen.log" ||
    { cat "$name.gen.log" >&2; fail "$name generate"; }
  chars=$(wc -c <"$name.gen.txt")
  [ "$chars" -ge 50 ] || fail "$name generate printed $chars bytes, expected at least 50"
  summary=$(grep -m1 'parameters' "$name.gen.log" || true)
  batch=$(cfgval "$cfg" batch 1) steps=$(cfgval "$cfg" time_steps 1)
  if [ "$batch" -le 1 ]; then
    echo "ok   $name: init + generate 50 ($(($(date +%s) - t)) s): ${summary#*: }"
    continue
  fi
  # Training: 3 batches, 1 where a batch is big (darknet's rnn.train.cfg: 128 x 576 rows through
  # 3 x 1024 units, ~75 s and ~10 GB); skipped, saying so, where memory is short for it.
  rows=$((batch * steps)) hidden=$(units "$cfg")
  need_kb=$((rows * hidden * 48 / 1024))  # ~48 bytes a row per unit: rnn.train.cfg measured 10 GB
  if [ "$mem_avail_kb" -gt 0 ] && [ "$need_kb" -gt $((mem_avail_kb * 8 / 10)) ]; then
    echo "ok   $name: init + generate 50; SKIP training: ~$((need_kb / 1048576)) GB needed for $rows rows, $((mem_avail_kb / 1048576)) GB available"
    continue
  fi
  batches=3
  big_training "$cfg" && batches=1
  data=(-file data.txt) inputs=$(cfgval "$cfg" inputs 256)
  if [ "$inputs" -ne 256 ]; then  # word-level: token ids of the same text
    ./"$name" tokenize -file data.txt -vocab "$inputs" -o "$name.words" 2>"$name.tokenize.log" ||
      { cat "$name.tokenize.log" >&2; fail "$name tokenize"; }
    data=(-tokenized -file "$name.words.ids")
  fi
  ./"$name" train "${data[@]}" -max_batches $batches -srand 1 -backup "backup_$name" >"$name.train.log" 2>&1 ||
    { tail -20 "$name.train.log" >&2; fail "$name train"; }
  # darknet's per-batch line: "N: loss, avg avg, rate rate, seconds seconds, epochs epochs".
  lines=$(grep -cE '^[0-9]+: ' "$name.train.log" || true)
  [ "$lines" -eq $batches ] || { cat "$name.train.log" >&2; fail "$name train: $lines batch lines, expected $batches"; }
  grep -E '^[0-9]+: ' "$name.train.log" | awk -F'[:,]' -v name="$name" '
    { loss = $2 + 0; avg = $3 + 0
      if ($2 ~ /nan|inf/ || $3 ~ /nan|inf/ || loss != loss || avg != avg || loss <= 0 || loss > 1e6) { print name ": non-finite loss: " $0 > "/dev/stderr"; bad = 1 } }
    END { exit bad }' || fail "$name train: non-finite loss"
  final=(backup_"$name"/*_final.weights)
  [ ${#final[@]} -eq 1 ] && [ -s "${final[0]}" ] || fail "$name train: no final weights in backup_$name"
  last=$(grep -E '^[0-9]+: ' "$name.train.log" | tail -1)
  twin=${name%.train}
  if [ "$twin" != "$name" ] && [ -f "$twin.built" ]; then
    ./"$twin" generate "${final[0]}" -len 50 -srand 1 </dev/null >"$twin.trained.txt" 2>"$twin.trained.log" ||
      { cat "$twin.trained.log" >&2; fail "$twin generate from $name's trained weights"; }
  fi
  loss=$(echo "$last" | awk -F'[:,]' '{ printf "loss %.3f, avg %.3f", $2, $3 + 0 }')
  echo "ok   $name: init + generate 50, train $batches ($(($(date +%s) - t)) s; batch $batches: $loss): ${summary#*: }"
done
echo "all cfgs: ok (${#cfgs[@]} cfgs, $(($(date +%s) - t0)) s)"
