"""The golden/tiny model (3 x darknet [rnn] 96 with batch norm and leaky, [connected] 256,
[softmax]) in PyTorch, trained as darknet does it (16 streams x 64 steps, SGD with
momentum), to time it against rnnc. Prints chars/s at steady state.
usage: python3 bench/torch_rnn.py DATA [batches]

On a GPU (bench/gpu.sh), the same model at other sizes, and nn.LSTM:
  --device cuda --mode train [--hidden 1024 --streams 128 --steps 576] [--compile]   chars/s ms/batch
  --device cuda --mode generate --hidden 1024 --samples N --len L                     chars/s (all samples)
  --device cuda --mode lstm [--hidden 512 --streams 32 --steps 64]                    chars/s ms/batch
generate samples each next character on the device (softmax, torch.multinomial), as
darknet's model does (batch norm folded: plain products at inference)."""
import argparse
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)
STREAMS, STEPS, HIDDEN, LAYERS = 16, 64, 96, 3
DEVICE = "cpu"


class BNDense(torch.nn.Module):
    """A darknet connected sub-layer: W x, batch norm over each time step's rows, leaky."""

    def __init__(self, n_in, n_out, bn=True):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(n_out, n_in) * (2.0 / n_in) ** 0.5)
        self.b = torch.nn.Parameter(torch.zeros(n_out))
        self.scale = torch.nn.Parameter(torch.ones(n_out)) if bn else None

    def finish(self, z):  # z: [T, B, n_out] or [B, n_out]
        if self.scale is not None:
            mean = z.mean(dim=-2, keepdim=True)
            sd = z.var(dim=-2, keepdim=True).sqrt()
            z = (z - mean) / (sd + 1e-6) * self.scale
        return F.leaky_relu(z + self.b, 0.1)

    def forward(self, x):
        return self.finish(x @ self.w.t())


class DarknetRNN(torch.nn.Module):
    def __init__(self, n_in, hidden, first):
        super().__init__()
        self.first = first
        self.input, self.self_, self.output = BNDense(n_in, hidden), BNDense(hidden, hidden), BNDense(hidden, hidden)
        self.cell = self.step

    def step(self, a_t, h):
        return a_t + self.self_(h)

    def forward(self, x):  # x: [T, B] chars (first layer) or [T, B, n_in]
        a = self.input.finish(F.embedding(x, self.input.w.t()) if self.first else x @ self.input.w.t())
        h = torch.zeros(x.shape[1], self.self_.w.shape[0], device=x.device)
        hs = []
        for t in range(x.shape[0]):
            h = self.cell(a[t], h)
            hs.append(h)
        return self.output(torch.stack(hs))


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnns = torch.nn.ModuleList([DarknetRNN(256 if i == 0 else HIDDEN, HIDDEN, i == 0) for i in range(LAYERS)])
        self.out = BNDense(HIDDEN, 256, bn=False)

    def forward(self, x):
        for r in self.rnns:
            x = r(x)
        return x @ self.out.w.t() + self.out.b  # [connected] leaky, then the softmax in the loss


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def train(data, batches, compile_cell):
    model = Model().to(DEVICE)
    if compile_cell and not hasattr(torch, "compile"):
        sys.exit(f"torch_rnn.py: --compile needs torch.compile (PyTorch 2), this is {torch.__version__}")
    if compile_cell:  # the recurrent step (the whole unrolled sequence would take minutes to compile)
        for r in model.rnns:
            r.cell = torch.compile(r.step)
    opt = torch.optim.SGD(model.parameters(), lr=0.1 / (STREAMS * STEPS), momentum=0.9)
    offsets = torch.randint(0, len(data) - STEPS - 1, (STREAMS,))
    times = []
    for i in range(batches):
        idx = (offsets[None, :] + torch.arange(STEPS)[:, None]) % (len(data) - 1)
        x, y = data[idx].to(DEVICE), data[idx + 1].to(DEVICE)
        sync()
        t0 = time.perf_counter()
        logits = F.leaky_relu(model(x), 0.1)
        loss = F.cross_entropy(logits.reshape(-1, 256), y.reshape(-1), reduction="sum")
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync()
        times.append(time.perf_counter() - t0)
        offsets = (offsets + STEPS) % len(data)
    skip = 5 if batches > 8 else 1
    times = sorted(times[skip:])
    return STREAMS * STEPS / times[len(times) // 2], times[len(times) // 2]


@torch.no_grad()
def generate(samples, length):
    """cfg/rnn.cfg's model at inference, `samples` streams, one character a step."""
    def dense(n_in, n_out):
        return torch.randn(n_out, n_in, device=DEVICE) * (2.0 / n_in) ** 0.5, torch.randn(n_out, device=DEVICE) * .1
    layers = [(dense(256 if l == 0 else HIDDEN, HIDDEN), dense(HIDDEN, HIDDEN), dense(HIDDEN, HIDDEN)) for l in range(LAYERS)]
    wo, bo = dense(HIDDEN, 256)
    hs = [torch.zeros(samples, HIDDEN, device=DEVICE) for _ in range(LAYERS)]
    c = torch.full((samples,), ord("a"), dtype=torch.long, device=DEVICE)

    def step(c):
        x = None
        for l, ((wi, bi), (ws, bs), (wy, by)) in enumerate(layers):
            a = F.leaky_relu((wi.t()[c] if l == 0 else x @ wi.t()) + bi, 0.1)
            hs[l] = a + F.leaky_relu(hs[l] @ ws.t() + bs, 0.1)
            x = F.leaky_relu(hs[l] @ wy.t() + by, 0.1)
        p = torch.softmax(F.leaky_relu(x @ wo.t() + bo, 0.1), dim=1)
        return torch.multinomial(p, 1).squeeze(1)

    for _ in range(20):
        c = step(c)
    sync()
    t0 = time.perf_counter()
    for _ in range(length):
        c = step(c)
    sync()
    return samples * length / (time.perf_counter() - t0)


def lstm(data, batches):
    """cfg/lstm.train.cfg's shape: nn.LSTM (cuDNN on a GPU) over one-hot bytes, Linear 256, Adam 0.002."""
    rnn = torch.nn.LSTM(256, HIDDEN, LAYERS).to(DEVICE)
    out = torch.nn.Linear(HIDDEN, 256).to(DEVICE)
    opt = torch.optim.Adam(list(rnn.parameters()) + list(out.parameters()), lr=0.002)
    offsets = torch.randint(0, len(data) - STEPS - 1, (STREAMS,))
    state, times = None, []
    for _ in range(batches):
        idx = (offsets[None, :] + torch.arange(STEPS)[:, None]) % (len(data) - 1)
        x, y = data[idx].to(DEVICE), data[idx + 1].to(DEVICE)
        sync()
        t0 = time.perf_counter()
        h, state = rnn(F.one_hot(x, 256).float(), state)
        loss = F.cross_entropy(out(h).reshape(-1, 256), y.reshape(-1), reduction="mean")
        opt.zero_grad()
        loss.backward()
        opt.step()
        state = tuple(s.detach() for s in state)
        sync()
        times.append(time.perf_counter() - t0)
        offsets = (offsets + STEPS) % len(data)
    times = sorted(times[3:])
    return STREAMS * STEPS / times[len(times) // 2], times[len(times) // 2]


def main():
    global STREAMS, STEPS, HIDDEN, LAYERS, DEVICE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("batches", nargs="?", type=int)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--mode", choices=["train", "generate", "lstm"], default="train")
    ap.add_argument("--hidden", type=int)
    ap.add_argument("--layers", type=int)
    ap.add_argument("--streams", type=int)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--samples", type=int, default=1)
    ap.add_argument("--len", type=int, default=2000)
    ap.add_argument("--compile", action="store_true")
    a = ap.parse_intermixed_args()
    DEVICE = a.device
    if DEVICE == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_rnn.py: --device cuda, but torch.cuda.is_available() is false")
    if a.mode == "lstm":
        HIDDEN, LAYERS, STREAMS, STEPS = 512, 2, 32, 64
    HIDDEN = a.hidden or HIDDEN
    LAYERS = a.layers or LAYERS
    STREAMS = a.streams or STREAMS
    STEPS = a.steps or STEPS
    data = torch.tensor(list(open(a.data, "rb").read()), dtype=torch.long)
    if a.mode == "generate":
        print(f"{generate(a.samples, a.len):.0f}")
    elif a.mode == "lstm":
        rate, seconds = lstm(data, a.batches or 15)
        print(f"{rate:.0f} {seconds * 1000:.2f}")
    else:
        rate, seconds = train(data, a.batches or 40, a.compile)
        # bench/run.sh reads the CPU figure alone.
        print(f"{rate:.0f}" if DEVICE == "cpu" and not a.compile else f"{rate:.0f} {seconds * 1000:.2f}")


if __name__ == "__main__":
    main()
