"""Matrix multiplication ``@``: numpy's rules for 1-D, 2-D and batched N-D operands, and their gradients."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlkit import ShapeError, Tensor

SEEDS = st.integers(0, 2**32 - 1)

# Every pattern numpy's matmul allows: vectors, matrices, stacks, broadcast batch dimensions.
SHAPE_PAIRS = [
    ((3,), (3,)),              # dot product -> scalar
    ((3,), (3, 4)),            # vector @ matrix -> (4,)
    ((2, 3), (3,)),            # matrix @ vector -> (2,)
    ((2, 3), (3, 4)),          # matrix @ matrix
    ((5, 2, 3), (3, 4)),       # batch @ matrix
    ((3, 4), (5, 4, 2)),       # matrix @ batch
    ((3,), (5, 3, 4)),         # vector @ batch -> (5, 4)
    ((5, 2, 3), (3,)),         # batch @ vector -> (5, 2)
    ((5, 2, 3), (5, 3, 4)),    # batch @ batch
    ((2, 1, 2, 3), (3, 3, 4)),  # batch dims (2, 1) and (3,) broadcast to (2, 3)
    ((1, 2, 3), (4, 3, 2)),    # a batch of one broadcast to four
    ((1, 3), (3, 1)),          # -> (1, 1)
]


@pytest.mark.parametrize("left_shape, right_shape", SHAPE_PAIRS)
def test_matmul_follows_numpy_shapes_and_matches_central_differences(check_op, left_shape, right_shape):
    rng = np.random.default_rng(0)
    left, right = rng.standard_normal(left_shape), rng.standard_normal(right_shape)
    check_op(lambda a, b: a @ b, np.matmul, left, right)


@st.composite
def matmul_shapes(draw):
    """Random shapes that numpy can multiply, including 1-D operands and broadcast batch dims."""
    n, k, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    left_batch = [draw(st.sampled_from([b, 1])) for b in batch]
    right_batch = [draw(st.sampled_from([b, 1])) for b in batch]
    # Drop leading batch dims on one side, which numpy also broadcasts.
    left_batch = left_batch[draw(st.integers(0, len(left_batch))):]
    right_batch = right_batch[draw(st.integers(0, len(right_batch))):]
    left = (k,) if draw(st.booleans()) else tuple(left_batch) + (n, k)
    right = (k,) if draw(st.booleans()) else tuple(right_batch) + (k, m)
    return left, right


@settings(max_examples=40, deadline=None)
@given(shapes=matmul_shapes(), seed=SEEDS)
def test_matmul_on_random_compatible_shapes_matches_central_differences(check_op, shapes, seed):
    rng = np.random.default_rng(seed)
    left, right = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    check_op(lambda a, b: a @ b, np.matmul, left, right, seed=seed)


def test_matmul_gradients_are_g_times_b_transposed_and_a_transposed_times_g():
    a = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = Tensor([[5.0, 6.0], [7.0, 8.0]], requires_grad=True)
    g = np.array([[1.0, 0.0], [0.0, 2.0]])
    (a @ b).backward(g)
    np.testing.assert_array_equal(a.grad, [[5.0, 7.0], [12.0, 16.0]])   # G @ Bᵀ
    np.testing.assert_array_equal(b.grad, [[1.0, 6.0], [2.0, 8.0]])     # Aᵀ @ G


def test_dot_product_of_vectors_gives_each_the_other_as_gradient():
    u = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = Tensor([4.0, 5.0, 6.0], requires_grad=True)
    y = u @ v
    y.backward()
    assert y.shape == ()
    assert y.item() == 32.0
    np.testing.assert_array_equal(u.grad, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(v.grad, [1.0, 2.0, 3.0])


def test_shared_weight_in_a_batched_matmul_sums_gradients_over_the_batch():
    x = Tensor(np.ones((4, 2, 3)))
    w = Tensor(np.zeros((3, 5)), requires_grad=True)
    (x @ w).sum().backward()
    assert w.grad.shape == (3, 5)
    # Each of the 4·2 rows of ones contributes 1 to every weight.
    np.testing.assert_array_equal(w.grad, np.full((3, 5), 8.0))


def test_numpy_array_at_tensor_returns_a_tensor_with_the_right_gradient(check_op):
    weights = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    check_op(lambda t: weights @ t, lambda a: weights @ a, np.array([[1.0], [-1.0], [0.5]]))


def test_tensor_at_numpy_array_returns_a_tensor_with_the_right_gradient(check_op):
    weights = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    check_op(lambda t: t @ weights, lambda a: a @ weights, np.array([[1.0, -1.0, 0.5]]))


def test_only_the_input_that_requires_grad_gets_a_gradient():
    a = Tensor(np.ones((2, 3)))
    b = Tensor(np.ones((3, 2)), requires_grad=True)
    (a @ b).sum().backward()
    assert a.grad is None
    np.testing.assert_array_equal(b.grad, np.full((3, 2), 2.0))


@pytest.mark.parametrize("left_shape, right_shape, expected", [
    ((2, 3), (4, 5), r"matmul: shapes \(2, 3\) and \(4, 5\).*left \(3\).*right \(4\)"),
    ((3,), (4,), r"matmul: shapes \(3,\) and \(4,\).*left \(3\).*first of the right \(4\)"),
    ((2, 3), (2,), r"matmul: shapes \(2, 3\) and \(2,\)"),
    ((2, 2, 3), (5, 3, 4), r"matmul: shapes \(2, 2, 3\) and \(5, 3, 4\).*batch dimensions \(2,\) and \(5,\)"),
])
def test_matmul_shape_mismatch_names_both_shapes(left_shape, right_shape, expected):
    with pytest.raises(ShapeError, match=expected):
        Tensor(np.ones(left_shape)) @ Tensor(np.ones(right_shape))


def test_matmul_with_a_scalar_operand_is_a_clear_error():
    with pytest.raises(ShapeError, match=r"matmul: .*at least 1 dimension.*\(\) and \(2,\)"):
        Tensor(2.0) @ Tensor([1.0, 2.0])
