#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS]: builds the fuzz targets where needed and runs
# each for SECONDS (default 30), two at a time, from its seed corpus plus what
# earlier runs found. Fails if any target crashes, printing the reproducer.
# The build tree is $RNNC_FUZZ_BUILD, by default build-sanitize (the one
# scripts/test.sh makes: Clang, CMAKE_BUILD_TYPE=Sanitize, RNNC_FUZZ=ON).
set -euo pipefail
seconds=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${RNNC_FUZZ_BUILD:-$root/build-sanitize}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cc=clang-14 cxx=clang++-14
  command -v "$cxx" >/dev/null || cc=clang cxx=clang++
  CC=$cc CXX=$cxx cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Sanitize -DRNNC_FUZZ=ON >/dev/null
fi
targets=()
for f in "$here"/fuzz_*.cpp; do
  n=$(basename "$f" .cpp)
  targets+=("${n#fuzz_}")
done
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}" >/dev/null
echo "run.sh: fuzzing ${targets[*]} for $seconds s each, two at a time"
if printf '%s\n' "${targets[@]}" |
    xargs -P 2 -I{} bash "$here/fuzz_one.sh" "$build/tests/fuzz/fuzz_{}" "$seconds" "$build/fuzz"; then
  echo "run.sh: no crash in ${#targets[@]} targets"
else
  echo "run.sh: a target failed (above: its log and reproducer)"
  exit 1
fi
