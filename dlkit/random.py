"""One seeded random generator for all of dlkit, so a single ``manual_seed`` makes a run repeatable.

Initialisers, dropout, data shuffling and ``dlkit.randn`` all draw from :func:`get_rng`.
"""
import numpy as np

_rng = np.random.default_rng(0)


def manual_seed(seed):
    """Reseed dlkit's generator (like ``torch.manual_seed``). Returns the new generator."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def get_rng():
    """The generator every random operation in dlkit draws from."""
    return _rng
