"""A small CNN's full training step, dlkit against PyTorch CPU in one process (dlkit time / torch time).

    python benchmarks/bench_cnn.py [--threads N] [--repeats R] [--batch B] [--scaling]

Model (both libraries, float32, the same initial weights via state_dict):
    Conv2d(1, 8, 3) -> ReLU -> MaxPool2d(2) -> Conv2d(8, 16, 3) -> ReLU -> MaxPool2d(2) -> Flatten
    -> Linear(16·5·5, 10), on 28x28 single-channel images, batch 64.
One step = forward, CrossEntropyLoss, backward, plain SGD update (p -= lr · grad, written by hand for
both, so only nn/autograd speed is compared). Target: ratio <= 3.

Both libraries get the same number of threads (default: the machine's CPU count; BLAS threads for
numpy via the environment, ``torch.set_num_threads`` for torch). dlkit's conv and pooling run their
copies on one thread unless asked (``dlkit.functional.set_num_threads``, off by default: see
``dlkit/functional/_threads.py``); its matrix products use the BLAS threads. Each case is the median
of several repeats after a warm-up; the two libraries are timed alternately so background load hits
both alike. The ratio of the fastest runs is printed as well: on a busy machine it is the least
disturbed number.

``--scaling`` adds dlkit against itself: the same step with conv and pooling on 1 thread and split
over ``--threads`` threads, alternated in one process — what the opt-in batch split gains,
independent of PyTorch's own threading (which suffers most on a busy machine).
"""
import os
import statistics
import sys

from alternate import time_alternately
from same_threads import bench_parser, import_torch, limit_blas_threads


def parse_args():
    parser = bench_parser(__doc__, repeats=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--scaling", action="store_true",
                        help="also time dlkit's step on 1 thread against --threads threads")
    return parser.parse_args()


ARGS = parse_args()
limit_blas_threads(ARGS.threads)  # before numpy loads its BLAS

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import dlkit
from dlkit import nn

torch = import_torch(ARGS.threads)

LR = 0.01


def dlkit_model():
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 10)).float()


def torch_model():
    tnn = torch.nn
    return tnn.Sequential(tnn.Conv2d(1, 8, 3), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Conv2d(8, 16, 3),
                          tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(), tnn.Linear(16 * 5 * 5, 10))


rng = np.random.default_rng(0)
images = rng.random((ARGS.batch, 1, 28, 28), dtype=np.float32)
labels = rng.integers(0, 10, ARGS.batch)

dl_net = dlkit_model()
t_net = torch_model()
t_net.load_state_dict({k: torch.from_numpy(v) for k, v in dl_net.state_dict().items()})
dl_loss_fn, t_loss_fn = nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
dl_x, dl_y = dlkit.Tensor(images), labels
t_x, t_y = torch.from_numpy(images), torch.from_numpy(labels)
dl_params, t_params = list(dl_net.parameters()), list(t_net.parameters())


def dlkit_step():
    dl_net.zero_grad()
    loss = dl_loss_fn(dl_net(dl_x), dl_y)
    loss.backward()
    for p in dl_params:
        p.data -= LR * p.grad
    return loss.item()


def torch_step():
    t_net.zero_grad()
    loss = t_loss_fn(t_net(t_x), t_y)
    loss.backward()
    with torch.no_grad():
        for p in t_params:
            p -= LR * p.grad
    return loss.item()


def dlkit_forward():
    with dlkit.no_grad():
        return dl_net(dl_x)


def torch_forward():
    with torch.no_grad():
        return t_net(t_x)


def check_same_training():
    """Three steps from the same weights must give the same losses, or the timing means nothing."""
    for step in range(3):
        dl_loss, t_loss = dlkit_step(), torch_step()
        if not np.isclose(dl_loss, t_loss, rtol=1e-4):
            sys.exit(f"step {step}: dlkit loss {dl_loss} != torch loss {t_loss}; not benchmarking")


def main():
    check_same_training()
    rows = [
        (f"CNN inference forward, float32 batch {ARGS.batch}", dlkit_forward, torch_forward, None),
        (f"CNN training step (fwd+CE+bwd+SGD), float32 batch {ARGS.batch}", dlkit_step, torch_step,
         3.0),
    ]
    print(f"dlkit {dlkit.__version__} vs torch {torch.__version__}; numpy {np.__version__}; "
          f"threads={ARGS.threads} (numpy BLAS and torch.set_num_threads); median of {ARGS.repeats}")
    print(f"{'case':58} {'dlkit ms':>9} {'torch ms':>9} {'ratio':>6} {'target':>12} "
          f"{'best-of ratio':>14}")
    for label, dl_fn, torch_fn, target in rows:
        dl_times, torch_times = time_alternately(dl_fn, torch_fn, ARGS.repeats, same_loss=False)
        dl_t, torch_t = statistics.median(dl_times), statistics.median(torch_times)
        ratio = dl_t / torch_t
        goal = f"<={target:<4} {'ok' if ratio <= target else 'MISS'}" if target else ""
        # On a busy machine the fastest runs are the least disturbed: their ratio is shown too.
        best = min(dl_times) / min(torch_times)
        print(f"{label:58} {dl_t * 1e3:9.2f} {torch_t * 1e3:9.2f} {ratio:6.2f} {goal:>12} {best:14.2f}")
    if ARGS.scaling and ARGS.threads > 1:
        print_scaling()


def print_scaling():
    """dlkit's step with conv/pooling on one thread vs on ARGS.threads threads, alternated."""
    from dlkit.functional import set_num_threads

    def on(threads):
        def step():
            set_num_threads(threads)
            return dlkit_step()
        return step
    one, many = time_alternately(on(1), on(ARGS.threads), ARGS.repeats, same_loss=False)
    set_num_threads(ARGS.threads)
    print(f"dlkit step, conv/pooling on 1 thread: {statistics.median(one) * 1e3:.2f} ms, on "
          f"{ARGS.threads} threads: {statistics.median(many) * 1e3:.2f} ms -> speed-up "
          f"{statistics.median(one) / statistics.median(many):.2f}x (best-of "
          f"{min(one) / min(many):.2f}x)")


if __name__ == "__main__":
    main()
