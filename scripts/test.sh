#!/usr/bin/env bash
# Installs what is missing, builds two trees and runs every test in one CTest
# run (its last line sums up both):
#   build/           Release: the unit and end-to-end tests (those needing
#                    ../shared skip cleanly without it);
#   build-sanitize/  Clang with AddressSanitizer and UndefinedBehaviorSanitizer
#                    (CMAKE_BUILD_TYPE=Sanitize, RNNC_FUZZ=ON): the unit tests
#                    and the end-to-end tests of small models (san_*), their
#                    programs built with the same sanitizers, and each fuzz
#                    target for RNNC_FUZZ_SECONDS (default 20; fuzz_*).
# RNNC_SANITIZE=0 leaves the second tree out; RNNC_BUILD and RNNC_SANITIZE_BUILD
# name other folders for the two; arguments go to ctest (-R 'san_|fuzz_': the
# sanitizer tree's tests only).
set -euo pipefail
cd "$(dirname "$0")/.."
# libdnnl-dev: oneDNN, which rnnc needs only for --dnnl; installed here so
# that the tests of that path (plans, OpenMP's threads, bf16 on oneDNN) run.
bash scripts/setup.sh libdnnl-dev
jobs=$(nproc)
build=${RNNC_BUILD:-build} sanitize_build=${RNNC_SANITIZE_BUILD:-build-sanitize}
trees=("$PWD/$build")
start=$SECONDS
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$jobs"
echo "test.sh: built $build/ (Release) in $((SECONDS - start)) s"
if [ "${RNNC_SANITIZE:-1}" != 0 ]; then
  start=$SECONDS
  cc=clang-14 cxx=clang++-14
  command -v "$cxx" >/dev/null || cc=clang cxx=clang++
  CC=$cc CXX=$cxx cmake -S . -B "$sanitize_build" -DCMAKE_BUILD_TYPE=Sanitize -DRNNC_FUZZ=ON \
    -DRNNC_FUZZ_SECONDS="${RNNC_FUZZ_SECONDS:-20}" >/dev/null
  cmake --build "$sanitize_build" -j"$jobs"
  echo "test.sh: built $sanitize_build/ (ASan+UBSan, fuzz targets) in $((SECONDS - start)) s"
  trees+=("$PWD/$sanitize_build")
fi
# One CTest run over both trees: a CTestTestfile that lists them.
all=$build-all
mkdir -p "$all"
for t in "${trees[@]}"; do echo "subdirs(\"$t\")"; done > "$all/CTestTestfile.cmake"
cd "$all"
ctest --output-on-failure -j"$jobs" --timeout 900 "$@"
