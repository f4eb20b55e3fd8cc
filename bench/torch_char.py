"""PyTorch's side of bench/time_to_quality.sh: a char model of the rnnc recipe's shape
(nn.GRU or nn.LSTM layers over one-hot bytes, a linear layer to 256 logits) trained
with Adam on TRAIN for a fixed wall time, then measured on HELD: bits per character
= mean cross-entropy of each next byte / ln 2, one stream from a zero state, as
rnnc's `valid` does. Streams read the text in order and carry their state from batch
to batch (detached), as darknet's training does.
usage: python3 bench/torch_char.py TRAIN HELD SECONDS [--cell gru] [--hidden 128]
       [--layers 2] [--lr 0.005] [--gamma 1] [--streams 32] [--steps 64] [--threads 2]
Prints one line: "batches N held-out BPC X"."""
import argparse
import math
import time

import torch
import torch.nn.functional as F


class CharModel(torch.nn.Module):
    def __init__(self, cell, hidden, layers):
        super().__init__()
        rnn = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell]
        self.rnn = rnn(256, hidden, layers)
        self.out = torch.nn.Linear(hidden, 256)

    def forward(self, x, state):  # x: [T, B] bytes
        h, state = self.rnn(F.one_hot(x, 256).float(), state)
        return self.out(h), state


def detach(state):
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def read_bytes(path):
    return torch.frombuffer(bytearray(open(path, "rb").read()), dtype=torch.uint8).long()


@torch.no_grad()
def held_out_bpc(model, held, chunk=2000):
    model.eval()
    state, total = None, 0.0
    for i in range(0, len(held) - 1, chunk):
        x = held[i:i + chunk + 1]
        logits, state = model(x[:-1, None], state)
        total += F.cross_entropy(logits[:, 0], x[1:], reduction="sum").item()
    return total / (len(held) - 1) / math.log(2)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("train")
    p.add_argument("held")
    p.add_argument("seconds", type=float)
    p.add_argument("--cell", default="gru")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--lr", type=float, default=0.005)
    p.add_argument("--gamma", type=float, default=1.0, help="the learning rate's factor a batch (darknet's policy=exp)")
    p.add_argument("--streams", type=int, default=32)
    p.add_argument("--steps", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    data, held = read_bytes(a.train), read_bytes(a.held)
    model = CharModel(a.cell, a.hidden, a.layers)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, a.gamma)
    # Each stream starts at its own place and reads on from there.
    offsets = torch.arange(a.streams) * (len(data) // a.streams)
    state, batches, start = None, 0, time.monotonic()
    while time.monotonic() - start < a.seconds:
        idx = (offsets[None, :] + torch.arange(a.steps + 1)[:, None]) % len(data)
        xy = data[idx]
        logits, state = model(xy[:-1], detach(state))
        loss = F.cross_entropy(logits.reshape(-1, 256), xy[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        offsets = (offsets + a.steps) % len(data)
        batches += 1
    print(f"batches {batches} held-out BPC {held_out_bpc(model, held):.4f}")


if __name__ == "__main__":
    main()
