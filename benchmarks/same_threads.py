"""Give numpy and PyTorch the same number of threads, so a ratio compares like with like.

Shared by every benchmark. ``limit_blas_threads`` must run before numpy is imported: numpy's BLAS
reads these variables once, when it loads.
"""
import argparse
import os
import sys

BLAS_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def limit_blas_threads(threads):
    for variable in BLAS_VARIABLES:
        os.environ[variable] = str(threads)


def import_torch(threads):
    """PyTorch with ``threads`` intra-op threads, or a clear exit when it is not installed."""
    try:
        import torch
    except ImportError:  # pragma: no cover - the bench extra installs it
        sys.exit("benchmarks need PyTorch: pip install torch==2.13.0")
    torch.set_num_threads(threads)
    return torch


def bench_parser(doc, repeats):
    """The options every alternating benchmark has: ``--threads`` (default: all cores) and
    ``--repeats``; a benchmark adds its own before ``parse_args()``."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=repeats)
    return parser
