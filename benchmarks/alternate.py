"""Time two equivalent steps alternately, so background load hits both libraries alike."""
import statistics
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


def print_ratio(ours, theirs, target):
    """One result line: both medians (ms), their ratio against ``target`` and the fastest runs' ratio
    (on a busy machine the least disturbed number)."""
    median_ours, median_theirs = statistics.median(ours), statistics.median(theirs)
    print(f"    dlkit {median_ours * 1e3:8.2f} ms   torch {median_theirs * 1e3:8.2f} ms   "
          f"ratio {median_ours / median_theirs:5.2f}x   (fastest runs: {min(ours) / min(theirs):5.2f}x)"
          f"   (target <= {target:g}x)")
