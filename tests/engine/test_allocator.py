"""dlkit keeps freed memory in the process (allocator.py): a training step's arrays come back from
the heap instead of being page-faulted in again. Each case runs in a fresh interpreter, because
malloc settings belong to the whole process."""
import ctypes.util
import json
import os
import subprocess
import sys

import pytest

GLIBC = sys.platform.startswith("linux") and "musl" not in (ctypes.util.find_library("c") or "")
pytestmark = pytest.mark.skipif(not GLIBC, reason="mallopt is a glibc (Linux) function")

# 20 arrays of 1.5 MB, freed together, three times: glibc's defaults give the 30 MB back to the
# operating system after each round, so every round page-faults it in again (~7,500 faults).
ROUNDS = """
import json, resource, sys
import dlkit, numpy as np
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
counts = []
for _ in range(3):
    before = faults()
    arrays = [np.ones(375_000, dtype=np.float32) for _ in range(20)]
    del arrays
    counts.append(faults() - before)
print(json.dumps({"applied": dlkit.allocator.KEEPING_FREED_MEMORY, "faults": counts}))
"""


def run_rounds(**env):
    result = subprocess.run([sys.executable, "-c", ROUNDS], capture_output=True, text=True, check=True,
                            env={**os.environ, **env}, timeout=120)
    return json.loads(result.stdout)


def test_a_repeated_step_reuses_freed_memory_instead_of_page_faulting_it_back():
    report = run_rounds()
    assert report["applied"] is True
    assert max(report["faults"][1:]) < 500, report       # 30 MB is 7,500 pages


@pytest.mark.parametrize("setting", ["0", "false", "OFF", "no"])
def test_keep_freed_memory_can_be_turned_off_and_then_glibc_gives_memory_back(setting):
    report = run_rounds(DLKIT_KEEP_FREED_MEMORY=setting)
    assert report["applied"] is False
    assert min(report["faults"][1:]) > 5_000, report     # glibc's default: the reason allocator.py exists
