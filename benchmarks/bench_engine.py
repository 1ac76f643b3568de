"""Engine speed against PyTorch CPU, measured in one process as ratios (dlkit time / torch time).

    python benchmarks/bench_engine.py [--threads N] [--repeats R] [--baseline DIR]

(a) per-op overhead: forward + backward of a chain of 1,000 elementwise ops on a shape-(8,) tensor
    (target <= 1.5x);
(b) forward + backward of a 784-512-200-10 MLP written with raw tensors, float32, batch 128
    (target <= 1.2x).

Both libraries get the same number of threads (BLAS for numpy, intra-op for torch) and the same dtype.
Each case is timed as the median of several repeats after a warm-up.

--baseline DIR also loads the dlkit package of another checkout (e.g. a ``git worktree`` of main) and
times case (a) on both engines alternately in this process: the ratio this/baseline shows what an
engine change costs per op, with background load hitting both sides alike.
"""
import itertools
import os
import statistics
import sys
import time

from same_threads import bench_parser, import_torch, limit_blas_threads


def parse_args():
    parser = bench_parser(__doc__, repeats=15)
    parser.add_argument("--baseline", help="another checkout's root: compare its engine's per-op cost")
    return parser.parse_args()


ARGS = parse_args()
limit_blas_threads(ARGS.threads)  # before numpy loads its BLAS

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import dlkit

torch = import_torch(ARGS.threads)


def median_time(fn, repeats):
    fn()  # warm-up: first calls pay for allocation and lazy initialisation
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# (a) a chain of 1,000 cheap elementwise ops ------------------------------------------------------
CHAIN = 1000


def chain(x, tanh, sigmoid):
    for i in range(CHAIN // 4):
        x = x * 1.01
        x = x + 0.01
        x = tanh(x)
        x = sigmoid(x)
    return x


def dlkit_chain():
    x = dlkit.Tensor(np.linspace(-1, 1, 8), requires_grad=True)
    chain(x, dlkit.Tensor.tanh, dlkit.Tensor.sigmoid).sum().backward()


def torch_chain():
    x = torch.linspace(-1, 1, 8, dtype=torch.float64, requires_grad=True)
    chain(x, torch.tanh, torch.sigmoid).sum().backward()


# (b) a raw-tensor MLP ----------------------------------------------------------------------------
SIZES, BATCH = (784, 512, 200, 10), 128
rng = np.random.default_rng(0)
weights = [(rng.standard_normal((i, o)) / np.sqrt(i)).astype(np.float32)
           for i, o in itertools.pairwise(SIZES)]
biases = [np.zeros(o, dtype=np.float32) for o in SIZES[1:]]
inputs = rng.random((BATCH, SIZES[0]), dtype=np.float32)
targets = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]


def mlp(x, params, relu):
    for i, (w, b) in enumerate(params):
        x = x @ w + b
        if i < len(params) - 1:
            x = relu(x)
    return ((x - targets_of(x)) ** 2).mean()


def targets_of(x):
    return dl_targets if isinstance(x, dlkit.Tensor) else torch_targets


dl_params = [(dlkit.Tensor(w, requires_grad=True), dlkit.Tensor(b, requires_grad=True))
             for w, b in zip(weights, biases)]
dl_inputs, dl_targets = dlkit.Tensor(inputs), dlkit.Tensor(targets)
torch_params = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True))
                for w, b in zip(weights, biases)]
torch_inputs, torch_targets = torch.tensor(inputs), torch.tensor(targets)


def dlkit_mlp():
    for w, b in dl_params:
        w.grad = b.grad = None
    mlp(dl_inputs, dl_params, dlkit.Tensor.relu).backward()


def torch_mlp():
    for w, b in torch_params:
        w.grad = b.grad = None
    mlp(torch_inputs, torch_params, torch.relu).backward()


def check_same_gradients():
    """The two MLPs must compute the same thing, or the timing comparison means nothing."""
    dlkit_mlp()
    torch_mlp()
    for (dw, _), (tw, _) in zip(dl_params, torch_params):
        np.testing.assert_allclose(dw.grad, tw.grad.numpy(), rtol=1e-3, atol=1e-6)


def main():
    check_same_gradients()
    rows = [
        ("(a) 1,000-op elementwise chain, fwd+bwd, (8,) float64", dlkit_chain, torch_chain, 1.5),
        ("(b) MLP 784-512-200-10 raw tensors, fwd+bwd, float32 batch 128", dlkit_mlp, torch_mlp, 1.2),
    ]
    print(f"dlkit {dlkit.__version__} vs torch {torch.__version__}; numpy {np.__version__}; "
          f"threads={ARGS.threads}; median of {ARGS.repeats}")
    print(f"{'case':66} {'dlkit ms':>9} {'torch ms':>9} {'ratio':>6} {'target':>7}")
    for label, dl_fn, torch_fn, target in rows:
        # Interleave the two libraries so background load affects both alike.
        dl_t = median_time(dl_fn, ARGS.repeats)
        torch_t = median_time(torch_fn, ARGS.repeats)
        ratio = dl_t / torch_t
        verdict = "ok" if ratio <= target else "MISS"
        print(f"{label:66} {dl_t * 1e3:9.2f} {torch_t * 1e3:9.2f} {ratio:6.2f} <={target:<4} {verdict}")
    if ARGS.baseline:
        compare_with_baseline(ARGS.baseline)


def load_baseline(root):
    """Import ``root``/dlkit under the name ``dlkit_baseline`` (its relative imports follow it)."""
    import importlib.util
    path = os.path.join(root, "dlkit")
    spec = importlib.util.spec_from_file_location("dlkit_baseline", os.path.join(path, "__init__.py"),
                                                  submodule_search_locations=[path])
    module = importlib.util.module_from_spec(spec)
    sys.modules["dlkit_baseline"] = module
    spec.loader.exec_module(module)
    return module


def compare_with_baseline(root):
    baseline = load_baseline(root)

    def run(engine):
        x = engine.Tensor(np.linspace(-1, 1, 8), requires_grad=True)
        chain(x, engine.Tensor.tanh, engine.Tensor.sigmoid).sum().backward()
    times = {"this": [], "baseline": []}
    run(dlkit)
    run(baseline)
    for _ in range(ARGS.repeats * 4):  # alternate, so load changes hit both alike
        for label, engine in (("this", dlkit), ("baseline", baseline)):
            start = time.perf_counter()
            run(engine)
            times[label].append(time.perf_counter() - start)
    this, base = statistics.median(times["this"]), statistics.median(times["baseline"])
    print(f"{'(c) case (a) on this engine vs the baseline at ' + root:66} {this * 1e3:9.2f} "
          f"{base * 1e3:9.2f} {this / base:6.3f} (this / baseline; < 1.05 is within 5 %)")


if __name__ == "__main__":
    main()
