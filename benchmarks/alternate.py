"""Time two equivalent steps alternately, so background load hits both libraries alike."""
import time


def time_alternately(a, b, repeats, same_loss=True):
    """All timings of ``a`` and ``b`` (seconds), called in turn; the first call warms up and (with
    ``same_loss``) checks that both return the same loss."""
    first = a(), b()
    if same_loss:
        assert abs(first[0] - first[1]) < 1e-4, first
    times = ([], [])
    for _ in range(repeats):
        for step, record in ((a, times[0]), (b, times[1])):
            start = time.perf_counter()
            step()
            record.append(time.perf_counter() - start)
    return times
