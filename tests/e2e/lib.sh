# Shared by the end-to-end tests: run with RNNC (the rnnc binary) and SRC (the
# repository root) set, as CTest does. Exit 77 marks a test skipped.
set -euo pipefail
: "${RNNC:?set RNNC to the rnnc binary}" "${SRC:?set SRC to the repository root}"
SHARED=$(cd "$SRC/.." && pwd)/shared
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

need_shared() {
  if [ ! -d "$SHARED/golden" ]; then
    echo "SKIP: $SHARED is absent (darknet's golden outputs and the corpus live there)"
    exit 77
  fi
}

# memory_dir NAME: sets BK to a folder on a tmpfs where there is one, else
# $WORK; removed at exit. For tests that write many backups: each backup
# fsyncs its files, slow on some disks, and a SIGKILL (unlike a power cut)
# does not need the data on disk.
memory_dir() {
  BK=$WORK
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    BK=$(mktemp -d "/dev/shm/rnnc-$1.XXXXXX")
    trap 'rm -rf "$WORK" "$BK"' EXIT
  fi
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# compile CFG NAME [rnnc flags]: builds ./NAME quietly (cached by rnnc).
compile() {
  local cfg=$1 name=$2
  shift 2
  "$RNNC" "$cfg" -o "$name" "$@" 2>"$name.rnnc.log" || { cat "$name.rnnc.log" >&2; fail "rnnc $cfg"; }
}

# two_at_a_time FUNC ITEM...: FUNC ITEM for every item, two running at once; returns when all are done
# (FUNC says how each went, in files: its exit status is not kept).
two_at_a_time() {
  local f=$1 item
  shift
  for item in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
    "$f" "$item" &
  done
  wait
}

# A text every machine has: the corpus when it is there, else our own README many times over.
corpus() {
  local bytes=$1 out=$2
  if [ -f "$SHARED/data/tinyshakespeare.txt" ]; then
    head -c "$bytes" "$SHARED/data/tinyshakespeare.txt" > "$out"
  else
    while [ "$(wc -c < "$out" 2>/dev/null || echo 0)" -lt "$bytes" ]; do cat "$SRC/README.md" >> "$out"; done
    head -c "$bytes" "$out" > "$out.tmp" && mv "$out.tmp" "$out"
  fi
}

# expect_error CODE_FILE PATTERN -- command...: the command must fail (1..127), printing PATTERN on stderr.
expect_error() {
  local pattern=$1
  shift
  local rc=0
  "$@" < /dev/null > out.txt 2> err.txt || rc=$?
  if [ "$rc" -eq 0 ]; then fail "expected an error from: $* (it exited 0)"; fi
  if [ "$rc" -ge 128 ]; then fail "crashed (exit $rc): $*"; fi
  grep -q -- "$pattern" err.txt || { cat err.txt >&2; fail "stderr of '$*' lacks '$pattern'"; }
  echo "ok   error: $(head -1 err.txt)"
}

# numbers_close A B REL: two files of whitespace-separated numbers agree to a relative REL.
numbers_close() {
  paste -d'\n' <(tr -s ' \n' '\n\n' < "$1") <(tr -s ' \n' '\n\n' < "$2") | awk -v rel="$3" '
    NR % 2 == 1 { a = $1; next }
    { n++; d = a - $1; if (d < 0) d = -d; m = (a < 0 ? -a : a); b = ($1 < 0 ? -$1 : $1); if (b > m) m = b; if (m < 1e-30) m = 1e-30
      if (d > 1e-7 && d / m > worst) worst = d / m; if (d > rel * m && d > 1e-7) bad++ }
    END { printf "compared %d numbers, worst relative difference %.3g\n", n, worst; exit (bad > 0 || n == 0) }'
}
