"""LSTM training step, dlkit against PyTorch CPU in one process (dlkit time / torch time).

    python benchmarks/bench_rnn.py [--threads N] [--repeats R]

Model (both libraries, float32, the same initial weights via state_dict, the same batch):
    LSTM(64, 128), 1 layer, over 50 time steps, batch 32 -> Linear(128, 10) on the last step.
One step = forward, CrossEntropyLoss, backward, Adam step. Target: ratio <= 2.

dlkit unrolls the 50 steps into ordinary ops (about 14 per step), so its time is mostly per-op
overhead and the 50 small matmuls with weight_hh (the input's share of all steps is one big matmul,
as in torch); torch runs a fused LSTM kernel. Both get the
same number of threads; the libraries are timed alternately and the medians compared (the ratio of
the fastest runs is printed too: on a busy machine it is the least disturbed number).
"""
import os
import sys

from alternate import print_ratio, time_alternately
from same_threads import bench_parser, import_torch, limit_blas_threads

ARGS = bench_parser(__doc__, repeats=20).parse_args()
limit_blas_threads(ARGS.threads)  # before numpy loads its BLAS

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import dlkit
from dlkit import nn, optim

torch = import_torch(ARGS.threads)

STEPS, BATCH, INPUTS, HIDDEN, CLASSES = 50, 32, 64, 128, 10


class DlkitModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(INPUTS, HIDDEN)
        self.head = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[-1])


class TorchModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(INPUTS, HIDDEN)
        self.head = torch.nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[-1])


def make_steps(x, y):
    dlkit.manual_seed(0)
    ours = DlkitModel().float()
    theirs = TorchModel()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    our_opt, their_opt = optim.Adam(ours.parameters(), lr=1e-3), torch.optim.Adam(theirs.parameters(), lr=1e-3)
    loss_fn, xt, yt = nn.CrossEntropyLoss(), torch.from_numpy(x), torch.from_numpy(y)

    def dlkit_step():
        our_opt.zero_grad()
        loss = loss_fn(ours(dlkit.Tensor(x)), y)
        loss.backward()
        our_opt.step()
        return loss.item()

    def torch_step():
        their_opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(theirs(xt), yt)
        loss.backward()
        their_opt.step()
        return loss.item()
    return dlkit_step, torch_step


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((STEPS, BATCH, INPUTS)).astype(np.float32)
    y = rng.integers(0, CLASSES, BATCH)
    ours, theirs = time_alternately(*make_steps(x, y), ARGS.repeats)
    print(f"threads={ARGS.threads}  numpy {np.__version__}  torch {torch.__version__}  float32")
    print(f"LSTM({INPUTS}, {HIDDEN}) over {STEPS} steps, batch {BATCH}: training step "
          "(forward, CrossEntropyLoss, backward, Adam)")
    print_ratio(ours, theirs, target=2)


if __name__ == "__main__":
    main()
