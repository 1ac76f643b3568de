"""The tensor API a course uses, each op against torch (float32 and float64) and central differences.

Every case runs the same input through dlkit and torch, compares the forward values, then sends the
same random upstream gradient back through both and compares the input gradients.
"""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import dlkit
import dlkit.functional as F
from dlkit import DataTypeError, GradientError, ShapeError, Tensor
from dlkit.viz import draw_graph

TOLERANCE = {np.float32: {"rtol": 2e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-10, "atol": 1e-12}}
SEEDS = st.integers(0, 2**16)


def as_tuple(out):
    return tuple(out) if isinstance(out, tuple | list) else (out,)


def compare(dlkit_fn, torch_fn, *arrays, dtype=np.float64, seed=0, grad=True):
    """Forward values and gradients of dlkit_fn and torch_fn on the same inputs agree."""
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    ours = [Tensor(a, requires_grad=grad) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad) for a in arrays]
    outs, expected = as_tuple(dlkit_fn(*ours)), as_tuple(torch_fn(*theirs))
    assert len(outs) == len(expected)
    for out, want in zip(outs, expected):
        assert out.shape == tuple(want.shape), f"shape {out.shape}, torch {tuple(want.shape)}"
        assert out.dtype == want.detach().numpy().dtype
        np.testing.assert_allclose(out.data, want.detach().numpy(), **TOLERANCE[dtype])
    if not grad:
        return
    rng = np.random.default_rng(seed)
    upstreams = [rng.standard_normal(o.shape).astype(dtype) for o in outs]
    total = sum((o * u).sum() for o, u in zip(outs, upstreams))
    torch_total = sum((w * torch.from_numpy(u)).sum() for w, u in zip(expected, upstreams))
    total.backward()
    torch_total.backward()
    for mine, reference in zip(ours, theirs):
        want = np.zeros(mine.shape, dtype) if reference.grad is None else reference.grad.numpy()
        np.testing.assert_allclose(mine.grad, want, **TOLERANCE[dtype])


def normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


X = normal((2, 3, 4))
CASES = {
    "view": (lambda t: t.view(6, 4), lambda t: t.view(6, 4), X),
    "view -1": (lambda t: t.view(-1), lambda t: t.view(-1), X),
    "unsqueeze": (lambda t: t.unsqueeze(1), lambda t: t.unsqueeze(1), X),
    "unsqueeze -1": (lambda t: t.unsqueeze(-1), lambda t: t.unsqueeze(-1), X),
    "squeeze": (lambda t: t.squeeze(), lambda t: t.squeeze(), normal((2, 1, 3, 1))),
    "squeeze dim": (lambda t: t.squeeze(1), lambda t: t.squeeze(1), normal((2, 1, 3, 1))),
    "squeeze non-1 dim": (lambda t: t.squeeze(0), lambda t: t.squeeze(0), normal((2, 1, 3))),
    "expand": (lambda t: t.expand(4, 2, 3), lambda t: t.expand(4, 2, 3), normal((2, 1))),
    "expand -1": (lambda t: t.expand(-1, 5), lambda t: t.expand(-1, 5), normal((3, 1))),
    "repeat": (lambda t: t.repeat(2, 3), lambda t: t.repeat(2, 3), normal((2, 3))),
    "repeat new dims": (lambda t: t.repeat(2, 1, 2), lambda t: t.repeat(2, 1, 2), normal((2, 3))),
    "split size": (lambda t: t.split(2, dim=2), lambda t: t.split(2, dim=2), normal((2, 3, 5))),
    "split sections": (lambda t: t.split([1, 2], 1), lambda t: t.split([1, 2], 1), X),
    "chunk": (lambda t: t.chunk(3, dim=-1), lambda t: t.chunk(3, dim=-1), normal((2, 7))),
    "gather": (lambda t: t.gather(1, Tensor(np.array([[0, 2, 2], [1, 0, 1]]))),
               lambda t: t.gather(1, torch.tensor([[0, 2, 2], [1, 0, 1]])), normal((2, 3))),
    "gather smaller index": (lambda t: t.gather(0, Tensor(np.array([[1, 0]]))),
                             lambda t: t.gather(0, torch.tensor([[1, 0]])), normal((2, 3))),
    "std": (lambda t: t.std(dim=1), lambda t: t.std(dim=1), X),
    "std all": (lambda t: t.std(), lambda t: t.std(), X),
    "logsumexp": (lambda t: t.logsumexp(dim=1), lambda t: t.logsumexp(dim=1), X * 30),
    "logsumexp keepdim": (lambda t: t.logsumexp(-1, keepdim=True), lambda t: t.logsumexp(-1, keepdim=True), X),
    "softmax": (lambda t: t.softmax(dim=1), lambda t: t.softmax(dim=1), X),
    "log_softmax": (lambda t: t.log_softmax(dim=-1), lambda t: t.log_softmax(dim=-1), X),
    "clamp": (lambda t: t.clamp(-0.5, 0.5), lambda t: t.clamp(-0.5, 0.5), X),
    "clamp min": (lambda t: t.clamp(min=0.0), lambda t: t.clamp(min=0.0), X),
    "clip alias": (lambda t: t.clip(max=0.1), lambda t: t.clip(max=0.1), X),
    "masked_fill": (lambda t: t.masked_fill(Tensor(X[0] > 0), -1.0),
                    lambda t: t.masked_fill(torch.from_numpy(X[0] > 0), -1.0), X),
    "t": (lambda t: t.t(), lambda t: t.t(), normal((3, 4))),
    "clone": (lambda t: t.clone() * 2, lambda t: t.clone() * 2, X),
    "sin": (lambda t: t.sin(), lambda t: t.sin(), X),
    "cos": (lambda t: t.cos(), lambda t: t.cos(), X),
    "log1p": (lambda t: t.log1p(), lambda t: t.log1p(), np.abs(X) * 1e-3),
    "expm1": (lambda t: t.expm1(), lambda t: t.expm1(), X * 1e-3),
    "pow method": (lambda t: t.pow(3), lambda t: t.pow(3), X),
    "pow tensor": (lambda a, b: a.pow(b), lambda a, b: a.pow(b), np.abs(X) + 0.1, X),
    "argmax-as-index": (lambda t: t.gather(1, t.argmax(dim=1, keepdim=True)),
                        lambda t: t.gather(1, t.argmax(dim=1, keepdim=True)), X),
    "cat": (lambda a, b: dlkit.cat([a, b], dim=1), lambda a, b: torch.cat([a, b], dim=1), X, normal((2, 2, 4))),
    "matmul": (dlkit.matmul, torch.matmul, normal((2, 3, 4)), normal((4, 5))),
    "exp": (dlkit.exp, torch.exp, X),
    "log": (dlkit.log, torch.log, np.abs(X) + 0.1),
    "tanh": (dlkit.tanh, torch.tanh, X),
    "sigmoid": (dlkit.sigmoid, torch.sigmoid, X * 10),
    "relu": (dlkit.relu, torch.relu, X),
    "logsigmoid": (F.logsigmoid, torch.nn.functional.logsigmoid, X * 10),
    "einsum matmul": (lambda a, b: dlkit.einsum("ij,jk->ik", a, b),
                      lambda a, b: torch.einsum("ij,jk->ik", a, b), normal((2, 3)), normal((3, 4))),
    "einsum batched": (lambda a, b: dlkit.einsum("bij,bkj->bik", a, b),
                       lambda a, b: torch.einsum("bij,bkj->bik", a, b), normal((2, 3, 4)), normal((2, 5, 4))),
    "einsum sum out": (lambda a: dlkit.einsum("ij->i", a), lambda a: torch.einsum("ij->i", a), normal((3, 4))),
    "einsum implicit": (lambda a, b: dlkit.einsum("ij,jk", a, b),
                        lambda a, b: torch.einsum("ij,jk", a, b), normal((2, 3)), normal((3, 4))),
    "einsum ellipsis": (lambda a, b: dlkit.einsum("...ij,jk->...ik", a, b),
                        lambda a, b: torch.einsum("...ij,jk->...ik", a, b), normal((2, 2, 3)), normal((3, 4))),
    "einsum bilinear": (lambda x, w, y: dlkit.einsum("bi,oij,bj->bo", x, w, y),
                        lambda x, w, y: torch.einsum("bi,oij,bj->bo", x, w, y),
                        normal((2, 3)), normal((4, 3, 5)), normal((2, 5))),
    "einsum outer": (lambda a, b: dlkit.einsum("i,j->ij", a, b),
                     lambda a, b: torch.einsum("i,j->ij", a, b), normal(3), normal(4)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_torch(name, dtype):
    dlkit_fn, torch_fn, *arrays = CASES[name]
    compare(dlkit_fn, torch_fn, *arrays, dtype=dtype)


@pytest.mark.parametrize("name", sorted(n for n in CASES if n not in {"argmax-as-index"}))
def test_op_gradient_matches_central_differences(check_op, name):
    dlkit_fn, _, *arrays = CASES[name]

    def numpy_fn(*xs):  # the forward through dlkit without gradients, on plain arrays
        outs = as_tuple(dlkit_fn(*[Tensor(x) for x in xs]))
        return np.concatenate([np.ravel(o.data) for o in outs])

    def dlkit_joined(*ts):
        outs = as_tuple(dlkit_fn(*ts))
        return dlkit.cat([o.reshape(-1) for o in outs])
    check_op(dlkit_joined, numpy_fn, *arrays)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=20, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), seed=SEEDS, data=st.data())
def test_shape_ops_match_torch_for_any_shape(dtype, shape, seed, data):
    x = normal(shape, seed)
    ndim = len(shape)
    dim = data.draw(st.integers(-ndim, ndim - 1))
    new_dim = data.draw(st.integers(-ndim - 1, ndim))
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim + 1)))
    pieces = data.draw(st.integers(1, 4))
    compare(lambda t: t.unsqueeze(new_dim), lambda t: t.unsqueeze(new_dim), x, dtype=dtype, seed=seed)
    compare(lambda t: t.squeeze(dim), lambda t: t.squeeze(dim), x, dtype=dtype, seed=seed)
    compare(lambda t: t.repeat(*reps), lambda t: t.repeat(*reps), x, dtype=dtype, seed=seed)
    compare(lambda t: t.chunk(pieces, dim), lambda t: t.chunk(pieces, dim), x, dtype=dtype, seed=seed)
    compare(lambda t: t.split(pieces, dim), lambda t: t.split(pieces, dim), x, dtype=dtype, seed=seed)
    compare(lambda t: t.view(-1), lambda t: t.reshape(-1), x, dtype=dtype, seed=seed)
    compare(lambda t: t.logsumexp(dim), lambda t: t.logsumexp(dim), x, dtype=dtype, seed=seed)
    compare(lambda t: t.softmax(dim), lambda t: t.softmax(dim), x, dtype=dtype, seed=seed)
    compare(lambda t: t.argmax(dim), lambda t: t.argmax(dim), x, dtype=dtype, grad=False)
    compare(lambda t: t.argmin(), lambda t: t.argmin(), x, dtype=dtype, grad=False)
    size = shape[dim]
    index = np.random.default_rng(seed).integers(0, size, shape)
    compare(lambda t: t.gather(dim, Tensor(index)), lambda t: t.gather(dim, torch.from_numpy(index)),
            x, dtype=dtype, seed=seed)


def test_tolist_gives_python_numbers_like_torch():
    values = [[1.5, 2.0], [3.0, -4.25]]
    assert Tensor(values).tolist() == torch.tensor(values).tolist() == values
    assert Tensor(np.array([1, 2])).tolist() == torch.tensor([1, 2]).tolist()


def test_argmax_and_argmin_give_int64_indices_like_torch():
    x = normal((3, 4))
    for name in ("argmax", "argmin"):
        for kwargs in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
            ours, theirs = getattr(Tensor(x), name)(**kwargs), getattr(torch.tensor(x), name)(**kwargs)
            assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
            np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_creation_functions_match_torch():
    np.testing.assert_array_equal(dlkit.eye(3).data, torch.eye(3, dtype=torch.float64).numpy())
    np.testing.assert_array_equal(dlkit.eye(2, 3).data, torch.eye(2, 3, dtype=torch.float64).numpy())
    assert dlkit.full((2, 3), 1.5).data.tolist() == torch.full((2, 3), 1.5).tolist()
    assert dlkit.full((2,), 7).dtype == torch.full((2,), 7).numpy().dtype
    np.testing.assert_allclose(dlkit.linspace(-1, 1, 5).data, torch.linspace(-1, 1, 5).numpy())
    dlkit.manual_seed(0)
    draws = dlkit.randint(0, 10, (1000,))
    assert draws.dtype == np.int64 and draws.shape == (1000,)
    assert draws.data.min() == 0 and draws.data.max() == 9
    perm = dlkit.randperm(10)
    assert perm.dtype == np.int64 and sorted(perm.tolist()) == list(range(10))


def test_retain_grad_keeps_an_intermediate_gradient_like_torch():
    x, tx = Tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    y, ty = x * 3, tx * 3
    assert y.retain_grad() is None
    ty.retain_grad()
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_array_equal(y.grad, ty.grad.numpy())


def test_a_hook_sees_the_gradient_and_may_replace_it_like_torch():
    seen, torch_seen = [], []
    x, tx = Tensor([1.0, -2.0], requires_grad=True), torch.tensor([1.0, -2.0], requires_grad=True)
    y, ty = x * 3, tx * 3
    y.register_hook(lambda g: seen.append(g.copy()))
    ty.register_hook(lambda g: torch_seen.append(g.clone()))
    y.register_hook(lambda g: g * 10)  # replaces the gradient that flows on to x
    ty.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_array_equal(seen[0], torch_seen[0].numpy())
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_a_hook_on_a_leaf_changes_what_lands_in_grad_and_can_be_removed():
    x, tx = Tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    handle, torch_handle = x.register_hook(lambda g: -g), tx.register_hook(lambda g: -g)
    (x * x).sum().backward()
    (tx * tx).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    handle.remove()
    torch_handle.remove()
    (x * x).sum().backward()
    (tx * tx).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_a_hook_on_a_tensor_without_gradient_is_an_error():
    with pytest.raises(GradientError, match="register_hook: this tensor does not require grad"):
        Tensor([1.0]).register_hook(lambda g: g)


@pytest.mark.parametrize("name, make", [
    ("gather", lambda t: t.gather(1, Tensor(np.array([[0], [1]])))),
    ("masked_fill", lambda t: t.masked_fill(Tensor(np.array([[True, False, True]])), 0.0)),
    ("einsum", lambda t: dlkit.einsum("ij->j", t)),
    ("logsumexp", lambda t: t.logsumexp(1)),
    ("repeat", lambda t: t.repeat(2, 1)),
    ("expand", lambda t: t[:1].expand(3, 3)),
    ("unsqueeze", lambda t: t.unsqueeze(0)),
    ("cat", lambda t: dlkit.cat([t, t])),
])
def test_new_ops_carry_a_rule_for_the_stepper_and_draw_in_the_graph(name, make):
    x = Tensor(normal((2, 3)), requires_grad=True, name="x")
    out = make(x).sum()
    node = out.parents[0]
    assert node.op == name and ("∂" in node.rule or "gradient" in node.rule)
    steps = list(out.backward_steps())
    assert any(step.node is node and step.rule == node.rule for step in steps)
    assert name in draw_graph(out).source


@pytest.mark.parametrize("call, error, message", [
    (lambda: Tensor(np.zeros((2, 3))).expand(3, 3), ShapeError, r"expand: cannot expand shape \(2, 3\)"),
    (lambda: Tensor(np.zeros((2, 3))).repeat(2), ShapeError, r"repeat: got 1 repeat counts .*\(2, 3\)"),
    (lambda: Tensor(np.zeros((2, 3))).split([1, 1], 1), ShapeError, r"split: sizes \[1, 1\] add up to 2"),
    (lambda: Tensor(np.zeros((2, 3))).gather(1, Tensor(np.zeros((2, 2)))), DataTypeError,
     r"gather: index must hold integers"),
    (lambda: Tensor(np.zeros((2, 3))).gather(1, Tensor(np.array([[5]]))), ShapeError,
     r"gather: index out of range"),
    (lambda: Tensor(np.zeros((2, 3))).masked_fill(Tensor(np.zeros(3)), 1.0), DataTypeError,
     r"masked_fill: mask must be a bool tensor"),
    (lambda: Tensor(np.zeros((2, 3))).unsqueeze(4), ShapeError, r"unsqueeze: dim 4 is out of range"),
    (lambda: dlkit.einsum("ij,jk->ik", Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 3)))), ShapeError,
     r"einsum: 'ij,jk->ik' does not fit operands of shapes \[\(2, 3\), \(2, 3\)\]"),
    (lambda: dlkit.einsum("ii->i", Tensor(np.zeros((2, 2)))), ShapeError, r"einsum: .*repeated"),
])
def test_bad_arguments_to_new_ops_say_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call()
