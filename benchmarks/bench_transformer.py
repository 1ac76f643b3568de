"""Transformer encoder training step, dlkit against PyTorch CPU in one process (dlkit time / torch time).

    python benchmarks/bench_transformer.py [--threads N] [--repeats R]

Model (both libraries, float32, the same initial weights via state_dict, the same batch):
    TransformerEncoder(TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=256, dropout=0,
    batch_first=True), num_layers=2) on 32 sequences of 32 positions, mean over positions,
    Linear(64, 10). Dropout is 0 so both compute exactly the same function. One step = forward,
    CrossEntropyLoss, backward, Adam step. Target: ratio <= 2.

Both get the same number of threads; the libraries are timed alternately and the medians compared
(the ratio of the fastest runs is printed too: on a busy machine it is the least disturbed number).
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

BATCH, TOKENS, D_MODEL, HEADS, FEEDFORWARD, LAYERS, CLASSES = 32, 32, 64, 4, 256, 2, 10


def build(lib):
    layer = lib.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FEEDFORWARD, dropout=0.0,
                                        batch_first=True)
    options = {"enable_nested_tensor": False} if lib is torch.nn else {}
    return lib.TransformerEncoder(layer, LAYERS, **options), lib.Linear(D_MODEL, CLASSES)


def make_steps(x, y):
    dlkit.manual_seed(0)
    our_encoder, our_head = (m.float() for m in build(nn))
    their_encoder, their_head = build(torch.nn)
    for ours, theirs in ((our_encoder, their_encoder), (our_head, their_head)):
        theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    our_params = [*our_encoder.parameters(), *our_head.parameters()]
    their_params = [*their_encoder.parameters(), *their_head.parameters()]
    our_opt, their_opt = optim.Adam(our_params, lr=1e-3), torch.optim.Adam(their_params, lr=1e-3)
    loss_fn, xt, yt = nn.CrossEntropyLoss(), torch.from_numpy(x), torch.from_numpy(y)

    def dlkit_step():
        our_opt.zero_grad()
        loss = loss_fn(our_head(our_encoder(dlkit.Tensor(x)).mean(axis=1)), y)
        loss.backward()
        our_opt.step()
        return loss.item()

    def torch_step():
        their_opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(their_head(their_encoder(xt).mean(dim=1)), yt)
        loss.backward()
        their_opt.step()
        return loss.item()
    return dlkit_step, torch_step


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, TOKENS, D_MODEL)).astype(np.float32)
    y = rng.integers(0, CLASSES, BATCH)
    ours, theirs = time_alternately(*make_steps(x, y), ARGS.repeats)
    print(f"threads={ARGS.threads}  numpy {np.__version__}  torch {torch.__version__}  float32")
    print(f"TransformerEncoder: {LAYERS} layers, d_model {D_MODEL}, {HEADS} heads, feed-forward "
          f"{FEEDFORWARD}, batch {BATCH} x {TOKENS} tokens: training step (forward, CrossEntropyLoss, "
          "backward, Adam)")
    print_ratio(ours, theirs, target=2)


if __name__ == "__main__":
    main()
