"""MLP training step and memory, dlkit against PyTorch CPU, as ratios (dlkit / torch).

    python benchmarks/bench_mlp.py [--threads N] [--steps S]

(a) time of one full training step of a 784-512-200-50-10 ReLU MLP, float32, batch 128:
    forward, CrossEntropyLoss, backward, Adam step (target <= 1.25x). Both run in this process with
    the same number of threads (BLAS for numpy, intra-op for torch), the same initial weights
    (copied through state_dict) and the same batches; the median of S steps after a warm-up.
(b) peak memory of that training run (target <= 1.5x). Method: each library trains in its own fresh
    subprocess; the memory is the growth of the process's peak resident set (VmHWM in
    /proc/self/status) over its resident set just before the model is built, after the imports
    and the data are in memory. So it counts weights, gradients, optimizer state, activations and
    allocator caches, the same way for both. dlkit's numpy allocations are also measured with
    tracemalloc, as a check.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from same_threads import limit_blas_threads

SIZES = [784, 512, 200, 50, 10]
BATCH = 128


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--memory-child", choices=["dlkit", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


ARGS = parse_args()
limit_blas_threads(ARGS.threads)  # before numpy loads its BLAS

import itertools

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def batches(steps, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((steps, BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], (steps, BATCH))
    return X, y


def dlkit_model():
    import dlkit
    from dlkit import nn
    dlkit.manual_seed(0)
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(SIZES)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(SIZES) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers).to(np.float32)


def torch_model(state_dict=None):
    import torch
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(SIZES)):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    if state_dict is not None:
        model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state_dict.items()})
    return model


def dlkit_steps(model, X, y):
    import dlkit
    from dlkit import nn, optim
    loss_fn, opt = nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3)

    def step(i):
        opt.zero_grad()
        loss = loss_fn(model(dlkit.Tensor(X[i])), dlkit.Tensor(y[i]))
        loss.backward()
        opt.step()
        return loss.item()
    return step


def torch_steps(model, X, y):
    import torch
    loss_fn, opt = torch.nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step(i):
        opt.zero_grad()
        loss = loss_fn(model(Xt[i]), yt[i])
        loss.backward()
        opt.step()
        return loss.item()
    return step


def time_interleaved(steps_a, steps_b, n):
    """Median step time of each, alternating a and b so that a change in machine load hits both."""
    steps_a(0), steps_b(0)  # warm-up: optimizer state, allocator, lazy initialisation
    times = ([], [])
    for i in range(n):
        for step, record in ((steps_a, times[0]), (steps_b, times[1])):
            start = time.perf_counter()
            step(i)
            record.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def rss_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def warm_up_runtime(which):
    """One training step of a tiny 2-2 model: pays the library's one-time start-up costs (thread
    pools, autograd engine, kernels) so that the measurement counts what the MLP itself needs."""
    import dlkit
    X, y = np.ones((1, 1, 2), dtype=np.float32), np.zeros((1, 1), dtype=np.int64)
    if which == "dlkit":
        model = dlkit.nn.Linear(2, 2).to(np.float32)
        dlkit_steps(model, X, y)(0)
    else:
        import torch
        torch_steps(torch.nn.Linear(2, 2), X, y)(0)


def memory_child(which, steps, warm):
    """Run in a fresh subprocess: train `steps` steps, print the memory growth as JSON."""
    import tracemalloc
    if which == "torch":
        import torch
        torch.set_num_threads(ARGS.threads)
    import dlkit  # noqa: F401  (imported in both children, so both baselines include it)
    X, y = batches(steps)
    if warm:
        warm_up_runtime(which)
    base = rss_kib("VmRSS")
    result = {}
    if which == "dlkit":
        tracemalloc.start()
        step = dlkit_steps(dlkit_model(), X, y)
    else:
        step = torch_steps(torch_model(dlkit_model().state_dict()), X, y)
    for i in range(steps):
        step(i)
    if which == "dlkit":
        result["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    result["peak_growth_mib"] = (rss_kib("VmHWM") - base) / 1024
    print(json.dumps(result))


def main():
    import torch
    torch.set_num_threads(ARGS.threads)
    X, y = batches(ARGS.steps + 1)

    ours = dlkit_model()
    theirs = torch_model(ours.state_dict())
    # Same weights and batches: the first losses must agree (a check that we compare like with like).
    first = dlkit_steps(dlkit_model(), X, y)(0), torch_steps(torch_model(ours.state_dict()), X, y)(0)
    assert abs(first[0] - first[1]) < 1e-4, first

    t_dlkit, t_torch = time_interleaved(dlkit_steps(ours, X, y), torch_steps(theirs, X, y), ARGS.steps)
    print(f"threads={ARGS.threads}  numpy {np.__version__}  torch {torch.__version__}  float32  batch {BATCH}")
    print(f"(a) MLP {'-'.join(map(str, SIZES))} training step (forward, CrossEntropyLoss, backward, Adam)")
    print(f"    dlkit {t_dlkit * 1e3:8.2f} ms   torch {t_torch * 1e3:8.2f} ms   "
          f"ratio {t_dlkit / t_torch:5.2f}x   (target <= 1.25x)")

    print("(b) peak memory growth while training (separate subprocesses, VmHWM - VmRSS before the model)")
    for warm, label in ((False, "cold: start-up costs included"), (True, "after a tiny warm-up step")):
        memory = {}
        for which in ("dlkit", "torch"):
            out = subprocess.run([sys.executable, __file__, "--threads", str(ARGS.threads), "--steps",
                                  str(min(ARGS.steps, 20)), "--memory-child", which] + ["--warm"] * warm,
                                 capture_output=True, text=True, check=True)
            memory[which] = json.loads(out.stdout.strip().splitlines()[-1])
        d, t = memory["dlkit"]["peak_growth_mib"], memory["torch"]["peak_growth_mib"]
        print(f"    {label:32s} dlkit {d:7.1f} MiB   torch {t:7.1f} MiB   ratio {d / t:5.2f}x"
              "   (target <= 1.5x)")
    print(f"    dlkit numpy allocations, tracemalloc peak: {memory['dlkit']['tracemalloc_peak_mib']:.1f} MiB "
          f"(weights + grads + Adam state alone: "
          f"{4 * 4 * sum(a * b + b for a, b in itertools.pairwise(SIZES)) / 2**20:.1f} MiB)")


if __name__ == "__main__":
    if ARGS.memory_child:
        memory_child(ARGS.memory_child, ARGS.steps, ARGS.warm)
    else:
        main()
