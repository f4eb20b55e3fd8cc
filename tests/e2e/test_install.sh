#!/usr/bin/env bash
# Installed like any tool (issue 14): `cmake --install BUILD --prefix P`
# puts rnnc in P/bin; the installed rnnc, found on the PATH and run away from
# the source tree, prints its version in one line and builds and runs a
# model (the runtime is embedded: no file of the source tree is read).
source "$(dirname "$0")/lib.sh"

build=$(cd "$(dirname "$RNNC")" && pwd)
[ -f "$build/cmake_install.cmake" ] || { echo "SKIP: $RNNC is not in a CMake build tree (no cmake_install.cmake)"; exit 77; }
command -v cmake > /dev/null || { echo "SKIP: no cmake to install with"; exit 77; }

prefix="$WORK/prefix with space"
cmake --install "$build" --prefix "$prefix" > install.log 2>&1 || { cat install.log >&2; fail "cmake --install"; }
[ -x "$prefix/bin/rnnc" ] || fail "no $prefix/bin/rnnc after cmake --install"
[ "$(find "$prefix" -type f | wc -l)" = 1 ] || { find "$prefix" -type f >&2; fail "cmake --install should install rnnc alone"; }
echo "ok   cmake --install --prefix: $prefix/bin/rnnc"

export PATH="$prefix/bin:$PATH"
[ "$(command -v rnnc)" = "$prefix/bin/rnnc" ] || fail "rnnc on the PATH is $(command -v rnnc)"
rnnc --version > version.txt 2> version.err || fail "rnnc --version exited non-zero"
[ "$(wc -l < version.txt)" = 1 ] && [ ! -s version.err ] || { cat version.txt version.err >&2; fail "rnnc --version should print one line"; }
grep -Eq '^rnnc [0-9]+\.[0-9]+\.[0-9]+ \((git [0-9a-f]{7,40}|git commit unknown)\)$' version.txt ||
  { cat version.txt >&2; fail "rnnc --version: unexpected line"; }
version=$(grep -Eo 'project\(rnnc VERSION [0-9.]+' "$SRC/CMakeLists.txt" | awk '{ print $3 }')
grep -q "^rnnc $version " version.txt || fail "rnnc --version does not print CMake's project version $version"
"$RNNC" --version | cmp -s - version.txt || fail "the installed rnnc and the built one print different versions"
echo "ok   $(cat version.txt)"

# Build and run a small model with the installed rnnc, from elsewhere, with a
# fresh cache (a real build), the source tree out of sight.
mkdir -p elsewhere && cd elsewhere
cp "$SRC/cfg/small-rnn.cfg" model.cfg
RNNC_CACHE="$WORK/cache" rnnc model.cfg -o model > rnnc.log 2>&1 || { cat rnnc.log >&2; fail "the installed rnnc could not build a model"; }
./model init w.weights -srand 1 2> /dev/null || fail "init"
./model generate w.weights -srand 1 -len 50 > out.txt 2> /dev/null || fail "generate"
[ "$(wc -c < out.txt)" = $((2 + 50 + 1)) ] || fail "generate printed $(wc -c < out.txt) bytes"
echo "ok   install: the installed rnnc built model.cfg; it generated 50 characters"
