#!/usr/bin/env bash
# rnnc --march ARCH, --cxxflags FLAGS and $RNNC_CXXFLAGS reach the compiler,
# the cache key and the --emit-only CMakeLists.txt (the sanitizer build
# compiles the generated programs with them). test_host_check runs an
# x86-64-v3 build against the native one.
source "$(dirname "$0")/lib.sh"

cat > small.cfg <<'CFG'
[net]
inputs=256
batch=1
time_steps=1

[rnn]
output=32
activation=leaky

[connected]
output=256
activation=leaky

[softmax]
CFG

# A header that does not exist: the build fails only if the flag reached the compiler.
expect_error "no_such_header_rnnc.h" "$RNNC" small.cfg -o p_flags --cxxflags "-include no_such_header_rnnc.h"
RNNC_CXXFLAGS="-include no_such_header_rnnc_env.h" expect_error "no_such_header_rnnc_env.h" "$RNNC" small.cfg -o p_env
expect_error "unclosed" "$RNNC" small.cfg -o p_q --cxxflags "-DX='a"
expect_error "expects a CPU name" "$RNNC" small.cfg -o p_bad --march 'x;rm -rf /'
expect_error "rnnc: error: the C++ compiler (c++) does not take --march no-such-cpu" "$RNNC" small.cfg -o p_bad \
  --march no-such-cpu --cxx c++

# -march is in the cache key and on the compile line (-O0: quicker; test_host_check runs the builds).
"$RNNC" small.cfg -o p_native --cxxflags -O0 2>/dev/null || fail "rnnc native"
"$RNNC" small.cfg -o p_v3 --march x86-64-v3 --cxxflags -O0 2>/dev/null || fail "rnnc --march x86-64-v3"
cmp -s p_native p_v3 && fail "the x86-64-v3 build is the native build's binary (the cache key lacks -march)"
"$RNNC" small.cfg -o p_v3b --march x86-64-v3 --cxxflags -O0 --no-cache -v 2>log.txt ||
  { cat log.txt; fail "rnnc --march x86-64-v3"; }
grep -q -- "-march=x86-64-v3" log.txt || fail "-march=x86-64-v3 is not on the compile line"
echo "ok   --march x86-64-v3: on the compile line and in the cache key"

# --emit-only writes the flags into the CMakeLists.txt.
"$RNNC" small.cfg --emit-only D --march x86-64-v3 --cxxflags "-DRNNC_FLAG_A -g" 2>/dev/null || fail "rnnc --emit-only"
for f in '"-march=x86-64-v3"' '"-DRNNC_FLAG_A"' '"-g"'; do
  grep -q -- "$f" D/CMakeLists.txt || { cat D/CMakeLists.txt; fail "$f is not in the CMakeLists.txt"; }
done
echo "ok   --emit-only's CMakeLists.txt has -march and the extra flags"
