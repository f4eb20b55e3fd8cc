#!/usr/bin/env bash
# What `train` saves is darknet's weights file, byte for byte:
#  - fresh weights (-max_batches 0 saves the initialised network) equal a file
#    this test builds from scratch in Python: header int32 0, 2, 0 and uint64
#    seen; per layer in cfg order (an [rnn] as its input, self and output
#    sub-layers) biases[out], weights[out][in], and with batch norm
#    scales[out], rolling_mean[out], rolling_variance[out], all float32; the
#    values darknet's initialisation gives after srand(N): biases 0, weights
#    sqrt(2/in) * rand_uniform(-1, 1) with glibc's rand(), one per weight in
#    build order, scales 1, rolling statistics 0;
#  - after 5 batches of cfg/small-rnn.train.cfg: the same size, seen = 5
#    batches x 32 streams x 32 steps (darknet counts rows), every rolling
#    variance positive, and the file loads into cfg/small-rnn.cfg's program
#    (batch 1), whose generate runs from it.
source "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || { echo "SKIP: python3 is needed to read the files"; exit 77; }
corpus 50000 data.txt
compile "$SRC/cfg/small-rnn.train.cfg" trainer
compile "$SRC/cfg/small-rnn.cfg" sampler

cat > layout.py <<'PY'
import math, struct, sys

def cfg_layers(path):
    """[(in, out, batch_norm)] per dense sub-layer in file order, and the net's batch/time_steps."""
    net, layers, sec = {}, [], None
    for line in open(path):
        line = ''.join(line.split())
        if not line or line[0] in '#;':
            continue
        if line[0] == '[':
            sec = {'kind': line, 'output': 1, 'batch_normalize': 0}
            if line != '[net]':
                layers.append(sec)
            continue
        k, v = line.split('=', 1)
        (net if sec['kind'] == '[net]' else sec)[k] = v
    dense, n_in = [], int(net['inputs'])
    for l in layers:
        out, bn = int(l['output']), int(l['batch_normalize']) != 0
        if l['kind'] == '[rnn]':
            dense += [(n_in, out, bn), (out, out, bn), (out, out, bn)]
        elif l['kind'] == '[connected]':
            dense += [(n_in, out, bn)]
        elif l['kind'] != '[softmax]':
            sys.exit('unexpected ' + l['kind'])
        if l['kind'] != '[softmax]':
            n_in = out
    return net, dense

def glibc_rand(seed):
    r = [seed or 1]
    for i in range(1, 31):
        r.append((16807 * r[-1]) % 2147483647)
    r += [r[i - 31] for i in range(31, 34)]
    while len(r) < 344:
        r.append((r[-31] + r[-3]) & 0xffffffff)
    while True:
        r.append((r[-31] + r[-3]) & 0xffffffff)
        yield r[-1] >> 1
        del r[0]

def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]

def fresh(cfg, seed):
    """darknet's freshly built network, saved: the bytes."""
    _, dense = cfg_layers(cfg)
    rand = glibc_rand(seed)
    weights = []
    for n_in, out, bn in dense:  # build order = file order for [rnn] and [connected]
        scale = f32(math.sqrt(2. / n_in))
        w = []
        for _ in range(n_in * out):
            u = f32(f32(f32(next(rand)) / f32(2147483647)) * f32(2.0))
            w.append(f32(scale * f32(u + f32(-1.0))))
        weights.append(w)
    body = b''
    for (n_in, out, bn), w in zip(dense, weights):
        body += struct.pack(f'<{out}f', *([0.0] * out)) + struct.pack(f'<{len(w)}f', *w)
        if bn:
            body += struct.pack(f'<{3 * out}f', *([1.0] * out + [0.0] * (2 * out)))
    return struct.pack('<iiiQ', 0, 2, 0, 0) + body

def check_trained(cfg, path, batches):
    net, dense = cfg_layers(cfg)
    d = open(path, 'rb').read()
    major, minor, rev, seen = struct.unpack_from('<iiiQ', d, 0)
    floats = sum(o + i * o + (3 * o if bn else 0) for i, o, bn in dense)
    want_seen = batches * int(net['batch']) * int(net['time_steps'])
    problems = []
    if (major, minor, rev) != (0, 2, 0):
        problems.append(f'version {major}.{minor}.{rev}')
    if seen != want_seen:
        problems.append(f'seen {seen}, expected {want_seen}')
    if len(d) != 20 + 4 * floats:
        problems.append(f'{len(d)} bytes, expected 20 + 4 x {floats}')
    at, worst_var = 20, None
    for i, o, bn in dense:
        at += 4 * (o + i * o)
        if bn:
            scales = struct.unpack_from(f'<{o}f', d, at)
            var = struct.unpack_from(f'<{o}f', d, at + 8 * o)
            if not all(0.25 < s < 2 for s in scales):
                problems.append(f'scales out of range at byte {at}')
            if not all(v > 0 for v in var):
                problems.append(f'a rolling variance <= 0 at byte {at + 8 * o}')
            at += 12 * o
    print(f'{len(d)} bytes = 20 + 4 x {floats} floats over {len(dense)} sub-layers, seen {seen}'
          + ('' if not problems else ': ' + '; '.join(problems)))
    return 0 if not problems else 1

if sys.argv[1] == 'fresh':
    open(sys.argv[4], 'wb').write(fresh(sys.argv[2], int(sys.argv[3])))
else:
    sys.exit(check_trained(sys.argv[2], sys.argv[3], int(sys.argv[4])))
PY

cfg=$SRC/cfg/small-rnn.train.cfg
# Fresh weights: train -max_batches 0 saves the initialised network.
./trainer train -file data.txt -srand 9 -max_batches 0 -backup fresh < /dev/null > fresh.log 2>&1 || { cat fresh.log >&2; fail "train -max_batches 0"; }
python3 layout.py fresh "$cfg" 9 expected.weights
cmp fresh/small-rnn_final.weights expected.weights || fail "the initialised weights differ from darknet's layout and values"
echo "ok   fresh weights ($(wc -c < expected.weights) bytes) equal darknet's, built independently in Python"

./trainer train -file data.txt -srand 9 -max_batches 5 -backup bk < /dev/null > train.log 2>&1 || { cat train.log >&2; fail "train 5 batches"; }
w=bk/small-rnn_final.weights
r=$(python3 layout.py trained "$cfg" $w 5) || fail "trained weights: $r"
echo "ok   trained weights: $r"
od -A d -t d4 -N 12 $w | head -1 | grep -qE '^0+ +0 +2 +0$' || fail "od: the header is not 0 2 0: $(od -A d -t d4 -N 12 $w | head -1)"
./sampler generate $w -srand 1 -len 40 -seed "The " < /dev/null > gen.txt 2> gen.err || { cat gen.err >&2; fail "generate from the trained weights"; }
[ "$(head -c 4 gen.txt)" = "The " ] && [ "$(wc -c < gen.txt)" -ge 44 ] || fail "generate printed: $(cat gen.txt)"
echo "ok   small-rnn.cfg (batch 1) generates from them: $(head -c 44 gen.txt | tr -c "[:print:]" "?")"
echo "train format: ok"
