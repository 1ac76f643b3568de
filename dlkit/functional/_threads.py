"""Work split over the batch and run on several threads: how conv and pooling use more than one core.

numpy releases the GIL inside its copies, ufuncs and matrix products on large arrays, so Python
threads that each handle a slice of the batch really do run at the same time. Samples of a batch
never mix in conv's copies or in pooling, so the slices write to disjoint parts of the output and
need no locks. The matrix products themselves stay single calls: BLAS threads them on its own.

The number of threads follows the same variables BLAS reads (``OMP_NUM_THREADS``, …), else the
machine's CPU count; :func:`set_num_threads` changes it, as ``torch.set_num_threads`` does.
"""
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

_MIN_ELEMENTS_PER_THREAD = 65_536   # below this, handing work to a thread costs more than it saves
_threads = None
_pool = None


def get_num_threads():
    """How many threads conv and pooling use (see the module docstring)."""
    global _threads
    if _threads is None:
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            value = os.environ.get(variable, "")
            if value.isdigit() and int(value) > 0:
                _threads = int(value)
                break
        else:
            _threads = os.cpu_count() or 1
    return _threads


def set_num_threads(threads):
    """Use ``threads`` threads for conv and pooling (1 runs everything on the calling thread)."""
    global _threads, _pool
    from ._checks import check_int
    _threads = check_int(threads, "set_num_threads", "threads", minimum=1)
    if _pool is not None:
        _pool.shutdown(wait=False)
        _pool = None


def over_batch(work, batch, elements):
    """Call ``work(start, stop)`` on slices of ``range(batch)`` that together cover it once.

    ``elements`` (the size of the arrays touched) decides whether threads are worth starting. The
    batch is cut into a few more slices than threads and each thread (the caller too) keeps taking
    the next free slice: on a busy machine a thread that starts late simply takes fewer slices,
    instead of making everyone wait for its fixed half.
    """
    global _pool
    threads = min(get_num_threads(), batch, max(1, elements // _MIN_ELEMENTS_PER_THREAD))
    if threads <= 1:
        work(0, batch)
        return
    if _pool is None or _pool._max_workers < threads - 1:
        _pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="dlkit")
    slices = min(batch, 2 * threads)
    bounds = [batch * i // slices for i in range(slices + 1)]
    next_slice = itertools.count()          # next() on it is atomic: each slice is taken once
    state = {"left": slices, "error": None}
    lock, finished = threading.Lock(), threading.Event()

    def take_slices():
        while (i := next(next_slice)) < slices:
            try:
                work(bounds[i], bounds[i + 1])
            except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread below
                state["error"] = error
            with lock:
                state["left"] -= 1
                if state["left"] == 0:
                    finished.set()

    for _ in range(threads - 1):
        _pool.submit(take_slices)
    take_slices()
    finished.wait()
    if state["error"] is not None:
        raise state["error"]
