"""Keep freed memory in the process, so a training step does not page-fault its arrays back in.

Every numpy array is one ``malloc``. glibc hands large freed blocks back to the operating system
(``munmap``, or trimming the heap's top), so the next step's arrays of the same size start as fresh
pages and each 4 KiB page costs a page fault on first write. A small CNN step made about 3,000 of
them and spent more than a third of its time there (``benchmarks/bench_cnn.py``). PyTorch avoids
this with its own caching allocator; dlkit asks glibc to keep freed memory instead
(``mallopt``: no heap trimming, ``mmap`` only above 32 MiB).

The price: the process never shrinks back, and since freed blocks are reused rather than returned,
an unlucky pattern of sizes can fragment the heap — a test that interleaves 8 MB arrays with small
long-lived ones peaked at 687 MB instead of 382 MB. Repeated training steps, which allocate the
same sizes every time, are the case this is for.

This runs once, on ``import dlkit``, on Linux with glibc only. ``DLKIT_KEEP_FREED_MEMORY=0`` (or
``false``/``off``/``no``) in the environment *before* dlkit is imported — before the Jupyter
kernel starts — leaves malloc as it was.
"""
import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1     # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 * 1024 * 1024   # glibc's largest allowed value on 64-bit machines
_NEVER_TRIM = 2**31 - 1              # an int: "never give the heap's top back"


def keep_freed_memory():
    """Tell glibc to keep freed blocks for reuse. Returns True if it was applied."""
    setting = os.environ.get("DLKIT_KEEP_FREED_MEMORY", "").strip().lower()
    if not sys.platform.startswith("linux") or setting in ("0", "false", "off", "no"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt   # glibc's name; musl has no mallopt to find
    except (OSError, AttributeError):   # not glibc: leave malloc alone
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, _MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD, _NEVER_TRIM))


KEEPING_FREED_MEMORY = keep_freed_memory()   # on import, before dlkit allocates its first array
