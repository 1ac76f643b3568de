"""Work split over the batch onto several threads: an opt-in way for conv and pooling to use more cores.

numpy releases the GIL inside its copies, ufuncs and matrix products on large arrays, so Python
threads that each handle a slice of the batch really do run at the same time. Samples of a batch
never mix in conv's copies or in pooling, so the slices write to disjoint parts of the output and
need no locks. While the threads run, BLAS is held to one thread (``threadpoolctl``): each of our
threads multiplies its own slice, and two callers of a multi-threaded BLAS would only queue for its
one pool of workers.

**Off by default** (one thread), because on the 2-core machine dlkit is measured on it did not pay:
handing a slice to a sleeping thread and waiting for it costs about 80 µs per op, and the slices'
data then sits in the other core's cache. The small CNN step (``benchmarks/bench_cnn.py
--scaling``) ran 0.90–0.98x as fast on 2 threads as on 1, conv layers with 16–32 input channels
0.71–0.97x; only first layers with 3 input channels gained, 1.08–1.23x. Matrix products still use
every core through BLAS. ``set_num_threads(n)`` or ``DLKIT_NUM_THREADS=n`` turns the split on.
"""
import contextlib
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

_MIN_ELEMENTS_PER_THREAD = 65_536   # below this, handing work to a thread costs more than it saves
_threads = None
_pool = None
_blas = None     # threadpoolctl's handle on the loaded BLAS libraries, made on first use
_blas_lock = threading.Lock()
_blas_users = 0  # how many batch splits are running now (see blas_on_one_thread)
_blas_restore = None


def get_num_threads():
    """How many threads conv and pooling split the batch over: ``DLKIT_NUM_THREADS``, else 1
    (see the module docstring for why one)."""
    global _threads
    if _threads is None:
        value = os.environ.get("DLKIT_NUM_THREADS", "")
        _threads = int(value) if value.isdigit() and int(value) > 0 else 1
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

    with blas_on_one_thread():
        for _ in range(threads - 1):
            _pool.submit(take_slices)
        take_slices()
        finished.wait()
    if state["error"] is not None:
        raise state["error"]


@contextlib.contextmanager
def blas_on_one_thread():
    """Hold BLAS to one thread while the body runs. BLAS's thread count belongs to the whole
    process, so when several Python threads split batches at once, the first to enter lowers it
    and the last to leave restores it (a count under a lock), never leaving it at one."""
    global _blas, _blas_users, _blas_restore
    with _blas_lock:
        if _blas is None:   # imported here: only the opt-in split needs it
            from threadpoolctl import ThreadpoolController
            _blas = ThreadpoolController().select(user_api="blas")
        if _blas_users == 0:
            _blas_restore = _blas.limit(limits=1)
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_restore.restore_original_limits()
