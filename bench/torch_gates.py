"""PyTorch's own gated layers with the sizes of cfg/lstm.train.cfg and
cfg/gru-2x512.train.cfg (2 x 512 over one-hot bytes, [connected] 256, softmax;
32 streams x 64 steps a batch, Adam 0.002), trained as those cfgs train, to
time them against rnnc in the same run. nn.LSTM / nn.GRU run PyTorch's fused
CPU kernels (oneDNN where it has them); bf16 is autocast, the one line a
PyTorch user adds. Prints chars/s at steady state (the median batch after
the first 3).
usage: python3 bench/torch_gates.py DATA lstm|gru fp32|bf16 [batches]"""
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)
STREAMS, STEPS, HIDDEN, LAYERS, SYMBOLS = 32, 64, 512, 2, 256


class Model(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        rnn = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
        self.rnn = rnn(SYMBOLS, HIDDEN, LAYERS)
        self.out = torch.nn.Linear(HIDDEN, SYMBOLS)

    def forward(self, x, state):  # x: [T, B] bytes
        h, state = self.rnn(F.one_hot(x, SYMBOLS).float(), state)
        return self.out(h), state


def detach(state):
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def main():
    data = torch.tensor(list(open(sys.argv[1], "rb").read()), dtype=torch.long)
    kind, precision = sys.argv[2], sys.argv[3]
    batches = int(sys.argv[4]) if len(sys.argv) > 4 else 15
    model = Model(kind)
    opt = torch.optim.Adam(model.parameters(), lr=0.002)
    offsets = torch.randint(0, len(data) - STEPS - 1, (STREAMS,))
    state, times = None, []
    for _ in range(batches):
        idx = (offsets[None, :] + torch.arange(STEPS)[:, None]) % (len(data) - 1)
        x, y = data[idx], data[idx + 1]
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            logits, state = model(x, detach(state))
            loss = F.cross_entropy(logits.float().reshape(-1, SYMBOLS), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
        offsets = (offsets + STEPS) % len(data)
    times = sorted(times[3:])
    print(f"{STREAMS * STEPS / times[len(times) // 2]:.0f}")


if __name__ == "__main__":
    main()
