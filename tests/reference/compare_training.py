#!/usr/bin/env python3
"""Compares what rnnc's trainer saved with what tests/reference/rnn_step_reference wrote.

  compare_training.py weights  START OURS REF REL FLOOR
      both darknet 0.2.0 weights files: headers identical (seen too); every float
      within REL relative to the larger of the two, or FLOOR absolute; and the
      change from START (the update itself) within 100 * REL of the largest change.
  compare_training.py momentum OURS.state REF.momentum REL FLOOR
      the momentum buffers (bias, weight, scale updates per sub-layer) of rnnc's
      .state sidecar against the reference's, FLOOR relative to the largest |value|.
  compare_training.py offsets OURS.state REF.offsets
      the stream offsets, exactly.
Exit 0 when they agree; prints one line of figures either way.
"""
import struct
import sys


def floats(path, skip):
    data = open(path, 'rb').read()
    if (len(data) - skip) % 4:
        sys.exit(f"{path}: {len(data)} bytes is not a header and whole floats")
    return data[:skip], list(struct.unpack(f'<{(len(data) - skip) // 4}f', data[skip:]))


def sidecar(path):
    d = open(path, 'rb').read()
    if d[:8] != b'RNNCSTA2':
        sys.exit(f"{path}: not an rnnc training state of version 2 (RNNCSTA2)")
    # magic, parameters, seen, the weights' checksum, the generator (31 words, front, rear)
    at = 8 + 8 + 8 + 8 + 31 * 4 + 8
    (n,) = struct.unpack_from('<Q', d, at)
    at += 8
    offsets = list(struct.unpack_from(f'<{n}Q', d, at))
    at += 8 * n + 8
    bufs = []
    while at < len(d):
        (k,) = struct.unpack_from('<Q', d, at)
        at += 8
        bufs.append(list(struct.unpack_from(f'<{k}f', d, at)))
        at += 4 * k
    return offsets, bufs


def main():
    mode = sys.argv[1]
    if mode == 'weights':
        start, ours, ref = sys.argv[2:5]
        rel, floor = float(sys.argv[5]), float(sys.argv[6])
        h0, w0 = floats(start, 20)
        h1, a = floats(ours, 20)
        h2, b = floats(ref, 20)
        if h1 != h2:
            print(f"headers differ: ours {struct.unpack('<iiiQ', h1)}, reference {struct.unpack('<iiiQ', h2)}")
            return 1
        if not (len(w0) == len(a) == len(b)):
            print(f"sizes differ: {len(w0)} {len(a)} {len(b)}")
            return 1
        worst, most, bad = 0.0, 0.0, 0
        for x, y in zip(a, b):
            d = abs(x - y)
            m = max(abs(x), abs(y))
            most = max(most, d)
            if m > floor:
                worst = max(worst, d / m)
            if d > rel * m and d > floor:
                bad += 1
        da = [x - s for x, s in zip(a, w0)]
        db = [y - s for y, s in zip(b, w0)]
        big = max(abs(v) for v in db)
        upd = max(abs(x - y) for x, y in zip(da, db)) / big
        print(f"{len(a)} floats, seen {struct.unpack('<iiiQ', h1)[3]}: worst relative difference {worst:.3g} "
              f"(of values above {floor:g}; largest absolute {most:.3g}; {bad} beyond {rel:g}); update (new - start) differs by {upd:.3g} of the largest change {big:.3g}")
        return 0 if bad == 0 and upd <= 100 * rel else 1
    if mode == 'momentum':
        _, bufs = sidecar(sys.argv[2])
        rel, floor = float(sys.argv[4]), float(sys.argv[5])
        # per sub-layer: bias, weight, scale updates, then six Adam buffers
        ours = []
        for i in range(0, len(bufs), 9):
            ours += bufs[i] + bufs[i + 1] + bufs[i + 2]
        _, ref = floats(sys.argv[3], 0)
        if len(ours) != len(ref):
            print(f"momentum sizes differ: {len(ours)} vs {len(ref)}")
            return 1
        big = max(abs(v) for v in ref)
        worst, bad = 0.0, 0
        for x, y in zip(ours, ref):
            d = abs(x - y)
            m = max(abs(x), abs(y))
            if m > floor * big:
                worst = max(worst, d / m)
            if d > rel * m and d > floor * big:
                bad += 1
        print(f"{len(ref)} momentum values: worst relative difference {worst:.3g} ({bad} beyond {rel:g})")
        return 0 if bad == 0 else 1
    if mode == 'offsets':
        offs, _ = sidecar(sys.argv[2])
        ref = [int(x) for x in open(sys.argv[3]).read().split()]
        print(f"stream offsets: ours {offs}, reference {ref}")
        return 0 if offs == ref else 1
    sys.exit(f"unknown mode {mode}")


sys.exit(main())
