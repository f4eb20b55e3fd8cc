#!/usr/bin/env bash
# Where rnnc cannot write (-o a folder or into a missing one, a cache it cannot
# use) it says so in one line of its own and exits 1, leaving no temporary
# file behind; RNNC_CACHE= (empty) means the default cache, not the current
# folder; and build folders of killed rnnc runs are cleaned up.
source "$(dirname "$0")/lib.sh"
printf '[net]\ninputs=256\n[rnn]\noutput=8\n[connected]\noutput=256\n[softmax]\n' > tiny.cfg

# expect_line PATTERN -- command: exit 1, exactly one line on stderr, matching PATTERN.
expect_line() {
  local pattern=$1
  shift
  local rc=0
  "$@" > out.txt 2> err.txt || rc=$?
  [ "$rc" -eq 1 ] || { cat err.txt >&2; fail "expected exit 1 from: $* (got $rc)"; }
  [ "$(wc -l < err.txt)" -eq 1 ] || { cat err.txt >&2; fail "expected one line on stderr from: $*"; }
  grep -q -- "$pattern" err.txt || { cat err.txt >&2; fail "stderr of '$*' lacks '$pattern'"; }
  grep -qi "filesystem error\|what()" err.txt && { cat err.txt >&2; fail "a library's message reached the user"; }
  echo "ok   $(cat err.txt)"
}

mkdir adir
expect_line "rnnc: error: -o adir is a folder" "$RNNC" tiny.cfg -o adir
expect_line "rnnc: error: cannot write -o nowhere/prog: the folder .*nowhere does not exist" "$RNNC" tiny.cfg -o nowhere/prog
RNNC_CACHE=/proc expect_line "rnnc: error: cannot create a build folder in the cache /proc/.*; set RNNC_CACHE" \
  "$RNNC" tiny.cfg -o p --no-check
RNNC_CACHE=/etc/passwd expect_line "rnnc: error: cannot use the cache folder /etc/passwd: Not a directory" \
  "$RNNC" tiny.cfg -o p
touch afile
expect_line "rnnc: error: --emit-only afile is a file" "$RNNC" tiny.cfg --emit-only afile
# A cfg named ".cfg" has no base name apart from itself: the default -o must not overwrite it.
cp tiny.cfg .cfg
expect_line "rnnc: error: -o .cfg is the cfg itself" "$RNNC" .cfg
cmp -s tiny.cfg .cfg || fail "rnnc overwrote the cfg"
# A newline in a cfg's name stays inside the one line of an error about it.
printf '[net]\ninputs=256\n[rnnn]\n' > $'bad\nname.cfg'
expect_line 'bad\\nname.cfg:3:1: error: unknown section' "$RNNC" $'bad\nname.cfg' -o x
expect_line 'no\\nsuch.cfg: error: cannot open the cfg file' "$RNNC" $'no\nsuch.cfg' -o x
leftovers=$(find . -name '*.rnnc-tmp' | wc -l)
[ "$leftovers" -eq 0 ] || fail "a .rnnc-tmp was left behind"
[ ! -e p ] || fail "a failed build wrote p"
echo "ok   nothing left behind"

# RNNC_CACHE= : the default cache ($HOME/.cache/rnnc here), not the current folder.
mkdir home run
(cd run && HOME="$WORK/home" XDG_CACHE_HOME= RNNC_CACHE= "$RNNC" ../tiny.cfg -o prog --no-check 2>/dev/null) ||
  fail "rnnc with RNNC_CACHE="
[ "$(ls run)" = "prog" ] || { ls -la run; fail "RNNC_CACHE= put something in the current folder"; }
ls home/.cache/rnnc/*/prog >/dev/null 2>&1 || fail "RNNC_CACHE= did not use \$HOME/.cache/rnnc"
echo "ok   RNNC_CACHE= uses the default cache"

# Build folders: a dead rnnc's (over a minute old) goes; a live process's, or a fresh one, stays.
cache="$WORK/home/.cache/rnnc"
sh -c 'exit 0' & dead=$!
wait "$dead"
mkdir "$cache/0123456789abcdef.build.$dead" "$cache/fedcba9876543210.build.$dead" "$cache/0123456789abcdef.build.$$"
touch "$cache/0123456789abcdef.build.$dead/program.cpp"
touch -d '2 minutes ago' "$cache/0123456789abcdef.build.$dead" "$cache/0123456789abcdef.build.$$"
(cd run && HOME="$WORK/home" RNNC_CACHE= "$RNNC" ../tiny.cfg -o prog2 --no-check 2>/dev/null) || fail "rnnc (cached)"
[ ! -e "$cache/0123456789abcdef.build.$dead" ] || fail "a dead rnnc's build folder was left in the cache"
[ -e "$cache/fedcba9876543210.build.$dead" ] || fail "a build folder under a minute old was removed"
[ -e "$cache/0123456789abcdef.build.$$" ] || fail "a live process's build folder was removed"
echo "ok   a killed rnnc's build folder is removed, a live or fresh one kept"
# Stopped mid-build (kill, Ctrl-C): the compiler is stopped too, the build folder removed, and rnnc
# dies of the signal.
printf '[net]\ninputs=256\n[rnn]\noutput=24\n[connected]\noutput=256\n[softmax]\n' > stop.cfg
stopcache="$WORK/stopcache"
RNNC_CACHE="$stopcache" "$RNNC" stop.cfg -o stopped --no-check 2>/dev/null &
rnnc_pid=$!
for _ in $(seq 300); do compgen -G "$stopcache/*.build.$rnnc_pid" >/dev/null && break; sleep 0.1; done
compgen -G "$stopcache/*.build.$rnnc_pid" >/dev/null || fail "no build folder appeared"
sleep 1  # the compiler is running now
kill -TERM "$rnnc_pid"
rc=0
wait "$rnnc_pid" || rc=$?
[ "$rc" -eq 143 ] || fail "rnnc stopped by SIGTERM exited $rc, not 143"
sleep 0.5
! compgen -G "$stopcache/*.build.*" >/dev/null || { ls "$stopcache"; fail "a stopped rnnc left its build folder"; }
! pgrep -f "$stopcache/" >/dev/null || fail "the compiler rnnc ran is still running after rnnc was stopped"
[ ! -e stopped ] || fail "a stopped rnnc wrote its program"
echo "ok   rnnc stopped mid-build: compiler stopped, build folder removed, exit 143"
echo "build errors: ok"
