"""A reference library's published MLP comparison, re-run fairly: dlkit and PyTorch side by side.

    python benchmarks/bench_reference_mlp.py [--threads N]

The published setup: a 784-128-10 ReLU MLP, Adam(lr=1e-3), batch 128, 5 epochs. Here both libraries
start from the same weights (dlkit's initial state_dict copied into torch), see the same batches in
the same order, use float32 and the same number of threads, in one process. Reported: final test
accuracy and training wall time.

Datasets:
* the embedded 8x8 digits (1,437 train / 360 test). Their images have 64 pixels, so the network is
  64-128-10 (the same shape with a 64-pixel input; no upsampling to 28x28).
* Fashion-MNIST (784-128-10, as published) when its files are already in the dlkit cache
  (``dlkit.data.load_fashion_mnist()`` downloads them once); otherwise skipped with a message.
"""
import argparse
import os
import sys
import time

from same_threads import import_torch, limit_blas_threads

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--repeats", type=int, default=5, help="time each run this many times, report the median")
ARGS = parser.parse_args()
limit_blas_threads(ARGS.threads)  # before numpy loads its BLAS

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import dlkit
from dlkit import nn, optim
from dlkit.data import DownloadError, load_digits, load_fashion_mnist

torch = import_torch(ARGS.threads)

BATCH, LR = 128, 1e-3


def epoch_orders(n, epochs, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.permutation(n) for _ in range(epochs)]


def train_dlkit(model, X, y, orders):
    loss_fn, opt = nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=LR)
    start = time.perf_counter()
    for order in orders:
        model.train()
        for i in range(0, len(order), BATCH):
            batch = order[i:i + BATCH]
            opt.zero_grad()
            loss_fn(model(dlkit.Tensor(X[batch])), dlkit.Tensor(y[batch])).backward()
            opt.step()
    return time.perf_counter() - start


def train_torch(model, X, y, orders):
    loss_fn, opt = torch.nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=LR)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    start = time.perf_counter()
    for order in orders:
        model.train()
        for i in range(0, len(order), BATCH):
            batch = torch.from_numpy(order[i:i + BATCH])
            opt.zero_grad()
            loss_fn(model(Xt[batch]), yt[batch]).backward()
            opt.step()
    return time.perf_counter() - start


def compare(name, train, test):
    (X, y), (X_test, y_test) = train, test
    X, X_test = X.astype(np.float32), X_test.astype(np.float32)
    n_in = X.shape[1]
    orders = epoch_orders(len(X), ARGS.epochs)
    times_ours, times_theirs = [], []
    for _ in range(ARGS.repeats):  # alternate the two, so a change in machine load hits both
        dlkit.manual_seed(0)
        ours = nn.Sequential(nn.Linear(n_in, 128), nn.ReLU(), nn.Linear(128, 10)).to(np.float32)
        theirs = torch.nn.Sequential(torch.nn.Linear(n_in, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})  # same start
        times_ours.append(train_dlkit(ours, X, y, orders))
        times_theirs.append(train_torch(theirs, X, y, orders))
    t_ours, t_theirs = float(np.median(times_ours)), float(np.median(times_theirs))
    acc_ours = dlkit.evaluate(ours, None, (X_test, y_test), metrics=["accuracy"])["accuracy"]
    theirs.eval()
    with torch.no_grad():
        acc_theirs = (theirs(torch.from_numpy(X_test)).argmax(1).numpy() == y_test).mean()
    drift = max(np.max(np.abs(v - theirs.state_dict()[k].numpy())) for k, v in ours.state_dict().items())
    print(f"{name}: {n_in}-128-10 ReLU MLP, Adam lr {LR}, batch {BATCH}, {ARGS.epochs} epochs, "
          f"{len(X)} train / {len(X_test)} test, float32, {ARGS.threads} thread(s), median of {ARGS.repeats} runs")
    print(f"    dlkit   test accuracy {acc_ours * 100:6.2f} %   train time {t_ours:7.2f} s")
    print(f"    PyTorch test accuracy {acc_theirs * 100:6.2f} %   train time {t_theirs:7.2f} s   "
          f"(time ratio {t_ours / t_theirs:.2f}x; largest weight difference at the end {drift:.1e})")


def main():
    compare("digits (embedded 8x8)", *load_digits())
    try:
        fashion = load_fashion_mnist(download=False)
    except DownloadError as err:
        first_line = str(err).splitlines()[0]
        print(f"Fashion-MNIST: skipped, its files are not in the cache ({first_line} ...). "
              "Run dlkit.data.load_fashion_mnist() once with internet access to fetch them.")
        return
    compare("Fashion-MNIST", *fashion)


if __name__ == "__main__":
    main()
