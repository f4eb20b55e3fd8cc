#!/usr/bin/env bash
# Regenerates the binary seeds of the fuzz targets (corpus/weights, corpus/state,
# corpus/flags) with programs that rnnc builds from tiny.cfg and tiny-adam.cfg.
# Run it after a change to the weights or .state format:
#   RNNC=build/rnnc tests/fuzz/make_seeds.sh
# (corpus/cfg holds copies of cfg/*.cfg; refresh it by hand.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
RNNC=${RNNC:-$here/../../build/rnnc}
RNNC=$(cd "$(dirname "$RNNC")" && pwd)/$(basename "$RNNC")
[ -x "$RNNC" ] || { echo "make_seeds: no rnnc at $RNNC (set RNNC)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$here/corpus/weights" "$here/corpus/state" "$here/corpus/flags"

# The training text: 210 bytes of 1..7 (the models read bytes 0..7; 0 is refused).
# fuzz_state.cpp checks stream offsets against this length: keep them equal.
for _ in $(seq 30); do printf '\001\002\003\004\005\006\007'; done > "$work/data"
[ "$(wc -c < "$work/data")" -eq 210 ]

# header_as MAJOR MINOR REVISION IN OUT: rewrites a 0.2.0 weights file (20-byte
# header, 64-bit seen) with another version and a 32-bit seen, same body.
le32() { printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
header_as() {
  { le32 "$1"; le32 "$2"; le32 "$3"; le32 300; tail -c +21 "$4"; } > "$5"
}

for cfg in tiny tiny-adam; do
  "$RNNC" "$here/$cfg.cfg" -o "$work/$cfg" 2> "$work/$cfg.log" || { cat "$work/$cfg.log" >&2; exit 1; }
  (
    cd "$work"
    ./"$cfg" init "$cfg.init.weights" -srand 7 -scramble 2>/dev/null
    ./"$cfg" train -file data -srand 7 -max_batches 3 -backup bk 2>/dev/null
  )
  cp "$work/$cfg.init.weights" "$here/corpus/weights/$cfg-init.weights"
  cp "$work/bk/${cfg}_final.weights" "$here/corpus/weights/$cfg-trained.weights"
  cp "$work/bk/${cfg}_final.weights.state" "$here/corpus/state/$cfg.state"
  # darknet's other layouts: 0.1.0 (32-bit seen) and a transposed (major > 1000) file.
  header_as 0 1 0 "$work/$cfg.init.weights" "$here/corpus/weights/$cfg-v010.weights"
  header_as 1001 0 0 "$work/$cfg.init.weights" "$here/corpus/weights/$cfg-transposed.weights"
done

# The flag parser's seeds: a command and its arguments, one word per NUL-ended
# field, as fuzz_flags.cpp splits them; "w" and "d" are the weights and text
# it keeps in its scratch folder.
seed() {
  local name=$1
  shift
  printf '%s\0' "$@" > "$here/corpus/flags/$name"
}
seed generate generate w -len 20 -seed ab -srand 3 -temp .5
seed generate-n generate w -n 3 -len 5 -precision bf16
seed generate-bad generate w -len -5 -temp 1e-50
seed valid valid w -seed x -precision fp32
seed probs probs w -seed ''
seed train train w -file d -srand 1 -max_batches 2 -clear
seed train-bad train -file d -max_batches 3000000000 -backup b
seed gradcheck gradcheck w -file d -samples 3 -h 1e-2,1e-3 -floor 1e-4
seed help --help
echo "make_seeds: wrote $(ls "$here/corpus/weights" | wc -l) weights, $(ls "$here/corpus/state" | wc -l) state and $(ls "$here/corpus/flags" | wc -l) flag seeds ($(du -sk "$here/corpus" | cut -f1) KB in corpus/)"
