"""Every differentiable op against PyTorch CPU float64: same forward values, same gradient for every input.

Shapes are drawn by hypothesis (broadcasting pairs, axes, matmul patterns); values avoid the points where
an op has no derivative (ties for max/min/maximum, zero for abs/relu, the bounds of clip).
"""
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes
from strategies import shape_and_axis

import dlkit
from dlkit import Tensor

torch = pytest.importorskip("torch")

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)


def compare_with_torch(dlkit_fn, torch_fn, *arrays, seed=0, rtol=1e-10, atol=1e-12):
    """Run both on the same float64 inputs and the same random upstream gradient; compare everything."""
    ours = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, expected = dlkit_fn(*ours), torch_fn(*theirs)
    assert isinstance(out, Tensor)
    assert out.shape == tuple(expected.shape), f"shape {out.shape}, torch gives {tuple(expected.shape)}"
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg="forward values")
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    for i, (mine, reference) in enumerate(zip(ours, theirs)):
        want = np.zeros(mine.shape) if reference.grad is None else reference.grad.numpy()
        assert mine.grad is not None, f"input {i} got no gradient"
        np.testing.assert_allclose(mine.grad, want, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i} (shape {mine.shape})")


def normal(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(rng, shape):
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def on_grid(offset):
    """Values on the grid 0.2·k + offset: two grids with different offsets never tie."""
    return lambda rng, shape: 0.2 * rng.integers(-10, 10, shape) + offset


def tie_free(rng, shape):
    size = int(np.prod(shape))
    return (0.1 * rng.permutation(size) - 0.05 * size).reshape(shape)


# -- Binary ops over broadcasting shape pairs ------------------------------------------------------------
BINARY = {
    # name: (dlkit fn, torch fn, left maker, right maker)
    "add": (operator.add, operator.add, normal, normal),
    "sub": (operator.sub, operator.sub, normal, normal),
    "mul": (operator.mul, operator.mul, normal, normal),
    "div": (operator.truediv, operator.truediv, normal, away_from_zero),
    "pow": (operator.pow, operator.pow, positive, normal),
    "maximum": (dlkit.maximum, torch.maximum, on_grid(0.0), on_grid(0.1)),
    "minimum": (dlkit.minimum, torch.minimum, on_grid(0.0), on_grid(0.1)),
}


@pytest.mark.parametrize("name", list(BINARY))
@settings(max_examples=30, deadline=None)
@given(shapes=PAIRS, seed=SEEDS)
def test_binary_op_matches_torch_over_broadcasting_shapes(name, shapes, seed):
    ours, theirs, make_left, make_right = BINARY[name]
    rng = np.random.default_rng(seed)
    left, right = make_left(rng, shapes.input_shapes[0]), make_right(rng, shapes.input_shapes[1])
    compare_with_torch(ours, theirs, left, right, seed=seed)


@settings(max_examples=30, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3), seed=SEEDS)
def test_where_matches_torch_over_broadcasting_shapes(shapes, seed):
    rng = np.random.default_rng(seed)
    condition = rng.random(shapes.input_shapes[0]) > 0.5
    left, right = normal(rng, shapes.input_shapes[1]), normal(rng, shapes.input_shapes[2])
    compare_with_torch(lambda a, b: dlkit.where(condition, a, b),
                       lambda a, b: torch.where(torch.from_numpy(np.asarray(condition)), a, b), left, right, seed=seed)


# -- Python numbers and numpy arrays on either side --------------------------------------------------------
ARRAY = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])
T_ARRAY = torch.from_numpy(ARRAY)
MIXED = {
    "2 - t": (lambda t: 2 - t, lambda t: 2 - t),
    "t - 2": (lambda t: t - 2, lambda t: t - 2),
    "3 * t": (lambda t: 3 * t, lambda t: 3 * t),
    "t / 2": (lambda t: t / 2, lambda t: t / 2),
    "2 / t": (lambda t: 2 / t, lambda t: 2 / t),
    "t ** 3": (lambda t: t ** 3, lambda t: t ** 3),
    "t ** -0.5": (lambda t: t ** -0.5, lambda t: t ** -0.5),
    "2 ** t": (lambda t: 2 ** t, lambda t: 2 ** t),
    "arr + t": (lambda t: ARRAY + t, lambda t: T_ARRAY + t),
    "arr - t": (lambda t: ARRAY - t, lambda t: T_ARRAY - t),
    "arr * t": (lambda t: ARRAY * t, lambda t: T_ARRAY * t),
    "arr / t": (lambda t: ARRAY / t, lambda t: T_ARRAY / t),
    "t / arr": (lambda t: t / ARRAY, lambda t: t / T_ARRAY),
    "arr @ t": (lambda t: ARRAY.T @ t, lambda t: T_ARRAY.T @ t),
    "t @ arr": (lambda t: t @ ARRAY.T, lambda t: t @ T_ARRAY.T),
    "-t": (lambda t: -t, lambda t: -t),
}


@pytest.mark.parametrize("case", list(MIXED))
def test_numbers_and_arrays_on_either_side_match_torch(case):
    ours, theirs = MIXED[case]
    # Same shape as ARRAY for elementwise cases; shapes that fit ARRAY.T (3, 2) for the matmuls.
    x = np.array([[0.5, 1.5, 2.0], [1.25, 0.75, 3.0]])
    if "@" in case:
        x = np.array([[0.5, 1.5], [2.0, -1.0]]) if case == "arr @ t" else np.array([[0.5, 1.5, 2.0]])
    compare_with_torch(ours, theirs, x)


# -- Unary ops -----------------------------------------------------------------------------------------
UNARY = {
    "neg": (lambda t: -t, lambda t: -t, normal),
    "abs": (abs, torch.abs, away_from_zero),
    "exp": (Tensor.exp, torch.exp, normal),
    "log": (Tensor.log, torch.log, positive),
    "sqrt": (Tensor.sqrt, torch.sqrt, positive),
    "tanh": (Tensor.tanh, torch.tanh, normal),
    "sigmoid": (Tensor.sigmoid, torch.sigmoid, lambda rng, s: 3 * rng.standard_normal(s)),
    "relu": (Tensor.relu, torch.relu, away_from_zero),
    "leaky_relu": (lambda t: t.leaky_relu(0.1),
                   lambda t: torch.nn.functional.leaky_relu(t, 0.1), away_from_zero),
    "clip": (lambda t: t.clip(-0.5, 0.5), lambda t: torch.clamp(t, -0.5, 0.5),
             lambda rng, s: rng.choice([-1.0, 0.0, 1.0], s) + rng.uniform(-0.4, 0.4, s)),
    "square": (lambda t: t ** 2, lambda t: t ** 2, normal),
}


@pytest.mark.parametrize("name", list(UNARY))
@settings(max_examples=25, deadline=None)
@given(shape=SHAPES, seed=SEEDS)
def test_unary_op_matches_torch(name, shape, seed):
    ours, theirs, make = UNARY[name]
    compare_with_torch(ours, theirs, make(np.random.default_rng(seed), shape), seed=seed)


# -- Matmul ----------------------------------------------------------------------------------------------
@st.composite
def matmul_shapes(draw):
    """Shapes numpy/torch can multiply: 1-D operands, matrices, and batch dims that broadcast."""
    n, k, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    left_batch = [draw(st.sampled_from([b, 1])) for b in batch][draw(st.integers(0, len(batch))):]
    right_batch = [draw(st.sampled_from([b, 1])) for b in batch][draw(st.integers(0, len(batch))):]
    left = (k,) if draw(st.booleans()) else tuple(left_batch) + (n, k)
    right = (k,) if draw(st.booleans()) else tuple(right_batch) + (k, m)
    return left, right


@settings(max_examples=40, deadline=None)
@given(shapes=matmul_shapes(), seed=SEEDS)
def test_matmul_matches_torch_for_every_operand_pattern(shapes, seed):
    rng = np.random.default_rng(seed)
    compare_with_torch(operator.matmul, torch.matmul, normal(rng, shapes[0]), normal(rng, shapes[1]),
                       seed=seed)


@pytest.mark.parametrize("left, right", [((3,), (3,)), ((3,), (2, 3, 4)), ((2, 1, 2, 3), (3, 3, 4)),
                                         ((5, 2, 3), (3,))])
def test_matmul_named_patterns_match_torch(left, right):
    rng = np.random.default_rng(0)
    compare_with_torch(operator.matmul, torch.matmul, normal(rng, left), normal(rng, right))


# -- Reductions ------------------------------------------------------------------------------------------
def torch_reduction(name, axis, keepdims, ndim):
    dim = tuple(range(ndim)) if axis is None else axis
    return {
        "sum": lambda t: torch.sum(t, dim=dim, keepdim=keepdims),
        "mean": lambda t: torch.mean(t, dim=dim, keepdim=keepdims),
        "max": lambda t: torch.amax(t, dim=dim, keepdim=keepdims),
        "min": lambda t: torch.amin(t, dim=dim, keepdim=keepdims),
        "var": lambda t: torch.var(t, dim=dim, correction=0, keepdim=keepdims),
    }[name]


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var"])
@pytest.mark.parametrize("keepdims", [False, True])
@settings(max_examples=25, deadline=None)
@given(case=shape_and_axis(), seed=SEEDS)
def test_reduction_matches_torch_for_every_axis_form(name, keepdims, case, seed):
    shape, axis = case
    x = tie_free(np.random.default_rng(seed), shape)
    extra = {"correction": 0} if name == "var" else {}  # the unbiased default is tested below
    compare_with_torch(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims, **extra),
                       torch_reduction(name, axis, keepdims, len(shape)), x, seed=seed)


def test_var_with_ddof_one_matches_torch_unbiased_variance():
    x = tie_free(np.random.default_rng(0), (3, 4))
    compare_with_torch(lambda t: t.var(axis=1, ddof=1), lambda t: torch.var(t, dim=1), x)


# -- Shape ops -------------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3), seed=SEEDS, data=st.data())
def test_transpose_and_permute_match_torch_permute(shape, seed, data):
    axes = tuple(data.draw(st.permutations(range(len(shape)))))
    x = normal(np.random.default_rng(seed), shape)
    compare_with_torch(lambda t: t.permute(axes), lambda t: t.permute(axes), x, seed=seed)
    compare_with_torch(lambda t: t.permute(*axes), lambda t: t.permute(axes), x, seed=seed)
    d0, d1 = data.draw(st.integers(-len(shape), len(shape) - 1)), data.draw(st.integers(0, len(shape) - 1))
    compare_with_torch(lambda t: t.transpose(d0, d1), lambda t: t.transpose(d0, d1), x, seed=seed)


@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_t_matches_torch(shape):
    compare_with_torch(lambda t: t.t(), lambda t: t.t(), normal(np.random.default_rng(0), shape))


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 3, 4)])
def test_dot_T_matches_torch_reversed_permute(shape):
    reverse = tuple(reversed(range(len(shape))))
    compare_with_torch(lambda t: t.T, lambda t: t.permute(reverse),
                       normal(np.random.default_rng(0), shape))


@settings(max_examples=25, deadline=None)
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_reshape_matches_torch(shape, seed, data):
    size = int(np.prod(shape))
    first = data.draw(st.sampled_from([d for d in range(1, size + 1) if size % d == 0]))
    target = data.draw(st.sampled_from([(size,), (first, -1), (-1, 1, first)]))
    compare_with_torch(lambda t: t.reshape(target), lambda t: t.reshape(target),
                       normal(np.random.default_rng(seed), shape), seed=seed)


@pytest.mark.parametrize("start, end", [(0, -1), (1, -1), (0, 1), (1, 2), (-2, -1), (2, 2)])
def test_flatten_matches_torch(start, end):
    compare_with_torch(lambda t: t.flatten(start, end), lambda t: torch.flatten(t, start, end),
                       normal(np.random.default_rng(0), (2, 3, 2, 2)))


# -- Indexing --------------------------------------------------------------------------------------------
X = np.random.default_rng(1).standard_normal((4, 5))
INDICES = {
    # name: (dlkit index, torch index) — torch has no negative steps, so those use flip.
    "integer": (2, 2),
    "row and column": ((1, -2), (1, -2)),
    "slice with step": ((slice(None), slice(0, 5, 2)), (slice(None), slice(0, 5, 2))),
    "integer array with repeats": (np.array([1, 1, 2, 1]), torch.tensor([1, 1, 2, 1])),
    "boolean mask": (X > 0, torch.from_numpy(X > 0)),
    "rows, cols gather": ((np.array([0, 1, 3, 0]), np.array([4, 0, 2, 4])),
                          (torch.tensor([0, 1, 3, 0]), torch.tensor([4, 0, 2, 4]))),
    "Tensor index": (Tensor(np.array([3, 3, 0])), torch.tensor([3, 3, 0])),
    "array and slice": ((np.array([0, 2, 2]), slice(1, 4)), (torch.tensor([0, 2, 2]), slice(1, 4))),
}


@pytest.mark.parametrize("name", list(INDICES))
def test_indexing_matches_torch(name):
    ours, theirs = INDICES[name]
    compare_with_torch(lambda t: t[ours], lambda t: t[theirs], X)


def test_negative_step_slice_matches_torch_flip():
    compare_with_torch(lambda t: t[::-1, ::-2], lambda t: torch.flip(t, (0, 1))[:, ::2], X)


# -- Joining and casting ---------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3), seed=SEEDS, data=st.data())
def test_concatenate_and_stack_match_torch(shape, seed, data):
    rng = np.random.default_rng(seed)
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1))
    other = list(shape)
    other[axis] = data.draw(st.integers(1, 3))
    compare_with_torch(lambda a, b: dlkit.concatenate([a, b], axis=axis),
                       lambda a, b: torch.cat([a, b], dim=axis),
                       normal(rng, shape), normal(rng, other), seed=seed)
    new_axis = data.draw(st.integers(-ndim - 1, ndim))
    compare_with_torch(lambda a, b: dlkit.stack([a, b], axis=new_axis),
                       lambda a, b: torch.stack([a, b], dim=new_axis),
                       normal(rng, shape), normal(rng, shape), seed=seed)


def test_astype_round_trip_matches_torch_to():
    x = normal(np.random.default_rng(0), (2, 3))
    compare_with_torch(lambda t: (t.astype(np.float32) * 3).astype(np.float64) * t,
                       lambda t: (t.to(torch.float32) * 3).to(torch.float64) * t, x,
                       rtol=1e-6, atol=1e-6)


def test_a_small_network_loss_matches_torch_end_to_end():
    rng = np.random.default_rng(3)
    x, w1, w2 = normal(rng, (5, 4)), normal(rng, (4, 3)), normal(rng, (3,))

    def ours(x, w1, w2):
        h = (x @ w1).tanh()
        return ((h @ w2 - 1.0) ** 2).mean() + 0.1 * (w1 * w1).sum()

    def theirs(x, w1, w2):
        h = torch.tanh(x @ w1)
        return ((h @ w2 - 1.0) ** 2).mean() + 0.1 * (w1 * w1).sum()
    compare_with_torch(ours, theirs, x, w1, w2)


# -- At the kinks: dlkit follows PyTorch's conventions -------------------------------------------------
KINKS = {
    "clip at its bounds": (lambda t: t.clip(-1.0, 1.0), lambda t: torch.clamp(t, -1.0, 1.0),
                           [-1.0, 1.0, 0.0]),
    "max with tied winners": (lambda t: t.max(), lambda t: t.max(), [2.0, 2.0, 1.0]),
    "min with tied winners along an axis": (lambda t: t.reshape(2, 2).min(axis=1),
                                            lambda t: t.reshape(2, 2).amin(dim=1), [1.0, 1.0, 3.0, 0.0]),
    "abs at zero": (abs, torch.abs, [0.0, -1.0]),
    "relu at zero": (Tensor.relu, torch.relu, [0.0, 1.0]),
    "maximum of ties": (lambda t: dlkit.maximum(t, 2.0), lambda t: torch.maximum(t, torch.tensor(2.0,
                        dtype=torch.float64)), [2.0, 3.0]),
}


@pytest.mark.parametrize("name", list(KINKS))
def test_gradient_at_a_kink_follows_pytorch(name):
    ours, theirs, values = KINKS[name]
    compare_with_torch(ours, theirs, np.array(values))
