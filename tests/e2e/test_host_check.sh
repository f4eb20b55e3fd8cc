#!/usr/bin/env bash
# A program checks the machine before it runs: on a CPU that lacks an
# instruction set it was built for (rnnc --march), one line saying what it was
# built for and what is missing, and exit 1 instead of SIGILL; a build for
# x86-64-v3 runs and prints what the native build prints. A model whose
# weights or training buffers cannot fit in memory is refused in one line
# before anything is allocated.
source "$(dirname "$0")/lib.sh"

cat > small.cfg <<'CFG'
[net]
inputs=256
batch=4
time_steps=8

[rnn]
output=32
activation=leaky

[connected]
output=256
activation=leaky

[softmax]
CFG

compile small.cfg native
./native init w.weights -srand 1 >/dev/null 2>&1 || fail "native init"
./native generate w.weights -srand 3 -len 300 > native.txt 2>native.log || fail "native generate"
grep -q "cpu fp32, built for -march=native (" native.log || { cat native.log; fail "the model line does not say what it was built for"; }
echo "ok   model line: $(grep -o 'cpu fp32.*' native.log)"

# x86-64-v3 runs here (every machine with AVX2) and prints the same text.
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && grep -qw bmi2 /proc/cpuinfo; then
  compile small.cfg v3 --march x86-64-v3
  ./v3 generate w.weights -srand 3 -len 300 > v3.txt 2>v3.log || { cat v3.log; fail "the x86-64-v3 build fails here"; }
  cmp -s native.txt v3.txt || fail "the x86-64-v3 build prints other text than the native build"
  grep -q "built for -march=x86-64-v3 (AVX2 FMA)" v3.log || { cat v3.log; fail "v3's model line"; }
  echo "ok   --march x86-64-v3 runs here and prints the native build's text"
fi

# A -march whose instruction sets this CPU lacks: the first candidate missing a flag of /proc/cpuinfo's.
flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
chosen=""
for candidate in "x86-64-v4:avx512f" "sapphirerapids:amx_tile" "sapphirerapids:avx512_vp2intersect" "knl:avx512er" \
                 "cooperlake:avx512_bf16" "icelake-server:avx512_vbmi2" "x86-64-v3:avx2"; do
  march=${candidate%%:*} flag=${candidate#*:}
  case "$flags" in *" $flag "*) ;; *) chosen=$march; break ;; esac
done
if [ -z "$chosen" ]; then
  echo "SKIP: this CPU has every instruction set of the candidate -march values; the CPU check is not exercised"
else
  compile small.cfg foreign --march "$chosen"
  rc=0
  ./foreign generate w.weights -srand 3 -len 10 > out.txt 2> err.txt || rc=$?
  [ "$rc" -eq 1 ] || { cat err.txt; fail "a -march=$chosen build on this CPU exited $rc (SIGILL is 132), not 1"; }
  [ "$(wc -l < err.txt)" -eq 1 ] || { cat err.txt; fail "expected one line"; }
  grep -q "error: small was built for -march=$chosen (.*) but this CPU lacks .*rnnc --march x86-64-v3" err.txt ||
    { cat err.txt; fail "the line does not say what the program was built for, what is missing and the fix"; }
  [ ! -s out.txt ] || fail "the program printed before its CPU check"
  echo "ok   -march=$chosen here: $(cat err.txt)"
fi

# Memory: weights that cannot fit are refused before they are allocated. Under ulimit -v, which
# the check takes as the machine's memory where it is smaller: a program without the check then
# fails to allocate instead of filling the machine (host_memory_refusal's unit test covers the
# physical memory side). [rnn] 12000: 2 x 12000^2 + 256 x 12000 weights, 2.4 GB for inference.
printf '[net]\ninputs=256\n[rnn]\noutput=12000\n[connected]\noutput=256\n[softmax]\n' > big.cfg
compile big.cfg big --no-check --cxxflags -O0  # -O0: quicker to build, and it never runs far
expect_error "big: init needs about 2.4 GB for the weights and their prepared copy but its address space is limited (ulimit -v) to 1.1 GB" \
  bash -c 'ulimit -v $(( 1024 * 1024 )); exec ./big init big.weights'
[ ! -e big.weights ] || fail "big init wrote weights"

# Training buffers: 64 streams x 1024 steps through 3 x [rnn] 4096 (~42 GB) under ulimit -v 2 GB.
printf '[net]\ninputs=256\nbatch=64\ntime_steps=1024\n[rnn]\noutput=4096\n[rnn]\noutput=4096\n[rnn]\noutput=4096\n[connected]\noutput=256\n[softmax]\n' > wide.cfg
compile wide.cfg wide --no-check --cxxflags -O0
corpus 10000 data.txt
expect_error "wide: training needs about .* GB .* but its address space is limited (ulimit -v) to 2.1 GB" \
  bash -c 'ulimit -v $(( 2 * 1024 * 1024 )); exec ./wide train -file data.txt -max_batches 1 -backup bk'
echo "host check: ok"
