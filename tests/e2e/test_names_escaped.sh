#!/usr/bin/env bash
# Names from outside (the cfg's path and base name, -o) reach the emitted C++
# and the --emit-only CMakeLists.txt escaped: a newline, a quote, a backslash,
# a space, ')' or '${...}' in them neither breaks the build nor runs as code.
source "$(dirname "$0")/lib.sh"
command -v cmake >/dev/null || { echo "SKIP: no cmake"; exit 77; }

cfg_text='[net]
inputs=256
batch=1
time_steps=1

[rnn]
output=16
activation=leaky

[connected]
output=256
activation=leaky

[softmax]
'
printf '%s' "$cfg_text" > plain.cfg

# A folder and a cfg whose names hold a newline, a quote, a backslash and a space.
odd=$'odd "dir\\ \nx'
mkdir -p "$odd"
oddcfg="$odd/"$'my "model\\ 1\nz.cfg'
printf '%s' "$cfg_text" > "$oddcfg"
# -O0 throughout: the names are under test, not the code (three times quicker to build).
"$RNNC" "$oddcfg" --cxxflags -O0 2>log.txt || { cat log.txt; fail "rnnc on a cfg path with a newline, a quote, a backslash and a space"; }
prog=$'my "model\\ 1\nz'
[ -x "$prog" ] || fail "no program named after the odd cfg"
"./$prog" init w.weights -srand 1 >/dev/null 2>&1 || fail "the odd-named program does not run"
"./$prog" --help > help.txt 2>&1 || true
grep -qF "$oddcfg" help.txt || fail "the program's --help does not name its cfg as it is"
echo "ok   a cfg path with a newline, a quote, a backslash and a space compiles; the program names it as it is"

# -o with a space.
"$RNNC" plain.cfg -o "my prog" --cxxflags -O0 2>/dev/null || fail "rnnc -o 'my prog'"
[ -x "my prog" ] || fail "no program 'my prog'"
"./my prog" generate w.weights -srand 2 -len 20 >/dev/null 2>&1 || fail "'my prog' does not run"
echo "ok   -o 'my prog' builds 'my prog'"

# --emit-only: CMake builds each under its own name, and nothing in a name runs.
# emit_and_build DIR NAME CFG [rnnc flags]: NAME is the program CMake must write.
emit_and_build() {
  local dir=$1 name=$2 cfg=$3
  shift 3
  "$RNNC" "$cfg" --emit-only "$dir" --cxxflags -O0 "$@" 2>log.txt || { cat log.txt; fail "rnnc --emit-only for '$name'"; }
  cmake -S "$dir" -B "$dir/build" >cmake.log 2>&1 || { cat cmake.log "$dir/CMakeLists.txt"; fail "cmake configure for '$name'"; }
  cmake --build "$dir/build" >>cmake.log 2>&1 || { cat cmake.log "$dir/CMakeLists.txt"; fail "cmake build for '$name'"; }
  [ -x "$dir/build/$name" ] || { ls "$dir/build"; fail "the CMake build wrote no program named '$name'"; }
  "$dir/build/$name" generate w.weights -srand 2 -len 20 >/dev/null 2>&1 || fail "'$name' (CMake) does not run"
  echo "ok   --emit-only: CMake builds '$name'"
}
emit_and_build E1 "my prog" plain.cfg -o "my prog"
# ')' ends a CMake command, ${...} expands a variable, $(...) is make's: none may act.
touch injected.marker
evil='x) ${CMAKE_COMMAND} $(rm injected.marker) "q"'
emit_and_build E2 "$evil" plain.cfg -o "$evil"
# ';', '\' and '%' are beyond CMake's Makefiles: '_' in the program's name there.
emit_and_build E4 'a_b_c_d' plain.cfg -o 'a;b\c%d' 
[ -e injected.marker ] || fail "a name in the CMakeLists ran a command"
grep -q 'CMAKE_COMMAND' E2/CMakeLists.txt || fail "the name is not in the CMakeLists"
# Nor a newline: the CMake build names the program with '_' for it (and for the backslash).
emit_and_build E3 'my "model_ 1_z' "$oddcfg"
echo "names escaped: ok"
