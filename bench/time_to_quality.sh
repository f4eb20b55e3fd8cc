#!/usr/bin/env bash
# Time to quality: how good a char model rnnc trains in a fixed wall time.
# cfg/shakespeare-10min.train.cfg trains on tinyshakespeare less its last
# 100,000 bytes (held out, never trained on) for MINUTES (default 10) of wall
# time; `timeout -s INT` stops it, and train saves its weights on SIGINT
# (DIR/NAME.backup) after the batch in progress. The batch-1 twin's `valid`
# then gives bits per character on the held-out bytes. PyTorch then trains the
# same shape (bench/torch_char.py: nn.GRU, Adam, the same lr, streams and steps,
# 2 threads) for the same time on the same split and is measured the same way.
# Usage: MINUTES=10 [CFG=recipe.train.cfg] bench/time_to_quality.sh [WORKDIR]
#   RNNC=path/to/rnnc uses that rnnc instead of building ./build;
#   TORCH=0 leaves PyTorch out; PYTHON=python3 with torch (default /usr/bin/python3).
# Results and what was tried: docs/time-to-quality.md.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${MINUTES:-10}
seconds=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60 + .5); if (s < 1) exit 1; print s }') ||
  { echo "bench/time_to_quality.sh: MINUTES must be a positive number, got '$minutes'" >&2; exit 2; }
data=../shared/data/tinyshakespeare.txt
if [ ! -f "$data" ]; then
  echo "bench/time_to_quality.sh: skipped, $data is absent (the corpus lives in ../shared/data)"
  exit 0
fi
cfg=${CFG:-cfg/shakespeare-10min.train.cfg}  # CFG=...: another recipe, for trying one
rnnc=${RNNC:-}
if [ -z "$rnnc" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j"$(nproc)" >/dev/null
  rnnc=./build/rnnc
fi
if [ -n "${1:-}" ]; then w=$1; mkdir -p "$w"; else w=$(mktemp -d); trap 'rm -rf "$w"' EXIT; fi
heldout=100000
size=$(wc -c < "$data")
head -c $((size - heldout)) "$data" > "$w/train.txt"
tail -c $heldout "$data" > "$w/heldout.txt"

# cfgval KEY: the [net] value of KEY in the recipe.
cfgval() { tr -d ' \t\r' < "$cfg" | sed -n "s/^$1=//p" | head -1; }
name=$(basename "$cfg" .train.cfg)
# The batch-1 twin for `valid`: the same model, one stream of one step.
sed -e 's/^batch *=.*/batch=1/' -e 's/^time_steps *=.*/time_steps=1/' "$cfg" > "$w/$name.cfg"
# build CFG OUT: rnnc's messages are shown only where it fails.
build() { "$rnnc" "$1" -o "$2" 2>"$w/rnnc.log" || { cat "$w/rnnc.log" >&2; echo "bench/time_to_quality.sh: rnnc failed on $1" >&2; exit 1; }; }
build "$cfg" "$w/$name.train"
build "$w/$name.cfg" "$w/$name"

echo "rnnc: training $cfg for $seconds s" >&2
rm -rf "$w/backup"
rc=0
timeout -s INT "$seconds" "$w/$name.train" train -file "$w/train.txt" -srand 1 -backup "$w/backup" \
  > "$w/rnnc.train.log" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || { tail "$w/rnnc.train.log" >&2; echo "rnnc train failed (exit $rc)" >&2; exit 1; }
# SIGINT: NAME.backup; max_batches reached first: NAME_final.weights.
weights=
for f in "$w/backup/$name.backup" "$w/backup/${name}_final.weights"; do [ -f "$f" ] && weights=$f && break; done
[ -n "$weights" ] || { tail "$w/rnnc.train.log" >&2; echo "rnnc train saved no weights" >&2; exit 1; }
rnnc_batches=$(grep -E '^[0-9]+: ' "$w/rnnc.train.log" | tail -1 | cut -d: -f1)
rnnc_bpc=$("$w/$name" valid "$weights" < "$w/heldout.txt" 2>/dev/null | tail -1 | awk '{ print $3 }')
gamma=$(cfgval gamma); gamma=${gamma:-1}

torch_line="| PyTorch | (not run) | |"
python=${PYTHON:-/usr/bin/python3}
if [ "${TORCH:-1}" != 0 ] && "$python" -c 'import torch' 2>/dev/null; then
  cell=$(sed -n 's/^\[\(lstm\|gru\)\].*/\1/p' "$cfg" | head -1)
  layers=$(grep -cE '^\[(lstm|gru)\]' "$cfg")
  hidden=$(tr -d ' ' < "$cfg" | sed -n 's/^output=//p' | head -1)
  echo "PyTorch: training nn.${cell^^} ($layers x $hidden) for $seconds s" >&2
  torch_out=$("$python" bench/torch_char.py "$w/train.txt" "$w/heldout.txt" "$seconds" --cell "$cell" --layers "$layers" \
    --hidden "$hidden" --lr "$(cfgval learning_rate)" --gamma "$gamma" --streams "$(cfgval batch)" --steps "$(cfgval time_steps)" --threads 2)
  torch_line="| PyTorch $($python -c 'import torch; print(torch.__version__)'): nn.${cell^^} $layers x $hidden, Adam $(cfgval learning_rate) x $gamma a batch, clip 5, no batch norm | $(echo "$torch_out" | awk '{ print $2 }') | $(echo "$torch_out" | awk '{ print $5 }') |"
elif [ "${TORCH:-1}" != 0 ]; then
  echo "PyTorch: skipped, $python has no torch (scripts/setup.sh python3-torch)" >&2
fi

echo
echo "time_to_quality, $(date -u +%Y-%m-%d), $seconds s of training each, $(nproc) cores, $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2 }'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "held-out BPC: bits per character on the last $heldout bytes of tinyshakespeare (never trained on)"
echo
echo "| trainer: recipe | batches | held-out BPC |"
echo "| --- | ---: | ---: |"
echo "| rnnc: $cfg, adam $(cfgval learning_rate) x $gamma a batch | $rnnc_batches | $rnnc_bpc |"
echo "$torch_line"
