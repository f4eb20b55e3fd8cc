"""The golden/tiny model (3 x darknet [rnn] 96 with batch norm and leaky, [connected] 256,
[softmax]) in PyTorch, trained as darknet does it (16 streams x 64 steps, SGD with
momentum), to time it against rnnc. Prints chars/s at steady state.
usage: python3 bench/torch_rnn.py DATA [batches]"""
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)
STREAMS, STEPS, HIDDEN, LAYERS = 16, 64, 96, 3


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

    def forward(self, x):  # x: [T, B] chars (first layer) or [T, B, n_in]
        a = self.input.finish(F.embedding(x, self.input.w.t()) if self.first else x @ self.input.w.t())
        h = torch.zeros(x.shape[1], self.self_.w.shape[0])
        hs = []
        for t in range(x.shape[0]):
            h = a[t] + self.self_(h)
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


def main():
    data = torch.tensor(list(open(sys.argv[1], "rb").read()), dtype=torch.long)
    batches = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    model = Model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1 / (STREAMS * STEPS), momentum=0.9)
    offsets = torch.randint(0, len(data) - STEPS - 1, (STREAMS,))
    times = []
    for i in range(batches):
        idx = (offsets[None, :] + torch.arange(STEPS)[:, None]) % (len(data) - 1)
        x, y = data[idx], data[idx + 1]
        t0 = time.perf_counter()
        logits = F.leaky_relu(model(x), 0.1)
        loss = F.cross_entropy(logits.reshape(-1, 256), y.reshape(-1), reduction="sum")
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
        offsets = (offsets + STEPS) % len(data)
    times = sorted(times[5:])
    print(f"{STREAMS * STEPS / times[len(times) // 2]:.0f}")


if __name__ == "__main__":
    main()
