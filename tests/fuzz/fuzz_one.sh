#!/usr/bin/env bash
# fuzz_one.sh BINARY SECONDS WORKDIR: fuzzes one target (fuzz_NAME) for SECONDS,
# starting from its seed corpus in corpus/NAME (read-only: new inputs go to
# WORKDIR/corpus/NAME). Exits non-zero on a crash, leak, timeout or sanitizer
# report, naming the reproducer. CTest and run.sh call it.
set -uo pipefail
bin=$1 seconds=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work" && work=$(cd "$work" && pwd)
name=$(basename "$bin")
name=${name#fuzz_}
seeds=$here/corpus/$name
mkdir -p "$work/corpus/$name" "$work/artifacts/$name" "$work/logs"
log=$work/logs/$name.log
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/artifacts/$name/")
[ -f "$here/$name.dict" ] && args+=(-dict="$here/$name.dict")
# No leak checks at exit of each input: the harnesses keep nothing between runs,
# and LeakSanitizer still runs once at the end.
start=$(date +%s)
marker=$work/artifacts/$name/.started
touch "$marker"
"$bin" "${args[@]}" "$work/corpus/$name" "$seeds" >"$log" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
if [ "$rc" -ne 0 ]; then
  echo "fuzz_$name: FAILED (exit $rc) after ${took} s; the log is $log; its end:"
  grep -v -e '^#[0-9]' -e '^.NEW_FUNC' -e '^INFO:' "$log" | tail -40
  # Only this run's reproducers (crash-*, leak-*, timeout-*, oom-*).
  find "$work/artifacts/$name" -type f ! -name .started -newer "$marker" | while read -r f; do
    echo "fuzz_$name: reproducer $f (rerun: $bin $f)"
  done
  exit 1
fi
echo "fuzz_$name: ${took} s, ${runs:-?} inputs run, ${cov:-cov: ?}, no crash"
