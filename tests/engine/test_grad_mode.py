"""Gradient recording switches: context managers, decorators (bare and called), per-thread state."""
import threading

import numpy as np
import torch

import dlkit
from dlkit import Tensor


def records(x):
    return (x * 2).requires_grad


def test_no_grad_works_as_a_block_a_bare_decorator_and_a_called_decorator_like_torch():
    x = Tensor([1.0], requires_grad=True)

    @dlkit.no_grad
    def bare(t):
        return t * 2

    @dlkit.no_grad()
    def called(t):
        return t * 2

    @torch.no_grad()
    def torch_called(t):
        return t * 2
    with dlkit.no_grad():
        assert not records(x)
    assert not bare(x).requires_grad and not called(x).requires_grad
    assert not torch_called(torch.ones(1, requires_grad=True)).requires_grad
    assert records(x) and dlkit.is_grad_enabled()
    assert bare.__name__ == "bare"


def test_enable_grad_as_a_decorator_turns_recording_on_inside_no_grad():
    x = Tensor([1.0], requires_grad=True)

    @dlkit.enable_grad()
    def inner(t):
        return t * 2
    with dlkit.no_grad():
        assert inner(x).requires_grad
        assert not records(x)


def test_set_grad_enabled_is_a_switch_and_a_context_manager_like_torch():
    x = Tensor([1.0], requires_grad=True)
    try:
        dlkit.set_grad_enabled(False)
        assert not dlkit.is_grad_enabled() and not records(x)
        with dlkit.set_grad_enabled(True):
            assert records(x)
        assert not dlkit.is_grad_enabled()
    finally:
        dlkit.set_grad_enabled(True)
    with dlkit.set_grad_enabled(False):
        assert not records(x)
    assert records(x)


def test_gradient_mode_is_per_thread_so_evaluating_threads_never_switch_training_off():
    """Two threads flip no_grad on and off while a third records graphs: it must never see it off."""
    x = Tensor(np.ones(3), requires_grad=True)
    stop = threading.Event()
    missed = []

    def evaluate():
        while not stop.is_set():
            with dlkit.no_grad():
                assert not records(x)

    def train():
        for _ in range(3000):
            if not records(x):
                missed.append(1)

    evaluators = [threading.Thread(target=evaluate) for _ in range(2)]
    for t in evaluators:
        t.start()
    trainer = threading.Thread(target=train)
    trainer.start()
    trainer.join()
    stop.set()
    for t in evaluators:
        t.join()
    assert missed == [] and dlkit.is_grad_enabled()


def test_a_new_thread_starts_with_gradients_on_even_if_another_turned_them_off():
    seen = []
    with dlkit.no_grad():
        thread = threading.Thread(target=lambda: seen.append(dlkit.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


def test_the_default_dtype_is_shared_by_all_threads_like_torch():
    seen = []
    previous = dlkit.get_default_dtype()
    try:
        dlkit.set_default_dtype(np.float32)
        thread = threading.Thread(target=lambda: seen.append(Tensor([1.5]).dtype))
        thread.start()
        thread.join()
    finally:
        dlkit.set_default_dtype(previous)
    assert seen == [np.float32]
