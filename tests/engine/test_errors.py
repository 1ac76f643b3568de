"""Bad input gets a dlkit error that names the op and what it saw.

(Errors of one op family live next to it too: matmul in test_matmul, reshape/transpose/flatten in
test_shape_ops, bad axes in test_reductions, bad indices in test_indexing, backward in test_backward.)
"""
import operator

import numpy as np
import pytest

import dlkit
from dlkit import DataTypeError, DlkitError, GradcheckError, GradientError, ShapeError, Tensor

BINARY_OPS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "maximum": dlkit.maximum,
    "minimum": dlkit.minimum,
}


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
def test_binary_op_on_shapes_that_do_not_broadcast_names_the_op_and_both_shapes(name):
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((4,)))
    with pytest.raises(ShapeError, match=rf"{name}: cannot broadcast shapes \(2, 3\) and \(4,\)"):
        BINARY_OPS[name](a, b)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
def test_numpy_array_on_the_left_with_a_bad_shape_names_the_op_and_both_shapes(name):
    with pytest.raises(ShapeError, match=rf"{name}: cannot broadcast shapes \(4,\) and \(2, 3\)"):
        BINARY_OPS[name](np.ones(4), Tensor(np.ones((2, 3))))


def test_where_with_shapes_that_do_not_broadcast_names_all_three_shapes():
    with pytest.raises(ShapeError, match=r"where: .*condition \(4,\), a \(2, 3\) and b \(\)"):
        dlkit.where(np.ones(4) > 0, Tensor(np.ones((2, 3))), 0.0)


@pytest.mark.parametrize("op", [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne])
def test_comparison_of_shapes_that_do_not_broadcast_names_both_shapes(op):
    with pytest.raises(ShapeError, match=r"cannot broadcast shapes \(2, 3\) and \(4,\)"):
        op(Tensor(np.ones((2, 3))), Tensor(np.ones(4)))


@pytest.mark.parametrize("data, seen", [
    ("abc", r"got str with dtype <U3"),
    (["1.0", "2.0"], r"got list with dtype <U3"),
    ([1.0, "a"], r"got list with dtype <U"),
    ([object(), object()], r"got list with dtype object"),
    (None, r"got NoneType with dtype object"),
    ({"a": 1.0}, r"got dict with dtype object"),
    (np.array([1 + 2j]), r"got ndarray with dtype complex128"),
])
def test_non_numeric_data_names_the_type_and_dtype_seen(data, seen):
    with pytest.raises(DataTypeError, match=rf"Tensor: expected numeric data.*{seen}"):
        Tensor(data)


def test_ragged_nested_lists_are_a_clear_error():
    with pytest.raises(DataTypeError, match=r"Tensor: cannot turn list into a numeric array"):
        Tensor([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
def test_a_string_operand_names_the_op_the_tensor_shape_and_the_type(name):
    expected = rf"{name}: cannot use a str as the other operand of a tensor of shape \(2,\).*got str"
    with pytest.raises(DataTypeError, match=expected):
        BINARY_OPS[name](Tensor([1.0, 2.0]), "abc")
    with pytest.raises(DataTypeError, match=expected):
        BINARY_OPS[name]("abc", Tensor([1.0, 2.0]))


@pytest.mark.parametrize("bad, seen", [([object()], "list"), (None, "NoneType"), (1j, "complex")])
def test_a_non_numeric_operand_of_matmul_or_where_names_the_op(bad, seen):
    with pytest.raises(DataTypeError, match=rf"matmul: cannot use a {seen} as the other operand"):
        Tensor([1.0]) @ bad
    with pytest.raises(DataTypeError, match=rf"where: cannot use a {seen} as the other operand"):
        dlkit.where(np.array([True]), Tensor([1.0]), bad)


@pytest.mark.parametrize("data", [np.array([1, 2]), np.array([1, 2], dtype=np.int32), np.array([True])])
def test_requires_grad_on_integer_or_bool_data_names_the_dtype(data):
    with pytest.raises(DataTypeError, match=rf"only float tensors can require gradients, got dtype {data.dtype}"):
        Tensor(data, requires_grad=True)


def test_item_of_a_tensor_with_several_elements_names_its_shape():
    with pytest.raises(ShapeError, match=r"item: only one-element tensors .* shape \(2,\)"):
        Tensor([1.0, 2.0]).item()


def test_set_default_dtype_only_accepts_float32_or_float64():
    with pytest.raises(DataTypeError, match=r"set_default_dtype: expected float32 or float64, got int64"):
        dlkit.set_default_dtype(np.int64)
    assert dlkit.get_default_dtype() is np.float64


@pytest.mark.parametrize("error, builtin", [
    (ShapeError, ValueError), (GradientError, ValueError), (GradcheckError, ValueError),
    (DataTypeError, TypeError),
])
def test_dlkit_errors_are_builtin_errors_too(error, builtin):
    # So `except ValueError` in user code keeps working, and `except DlkitError` catches them all.
    assert issubclass(error, builtin)
    assert issubclass(error, DlkitError)


# -- Python and numpy protocols used the wrong way (issue 10) ------------------------------------------
def test_bool_of_a_tensor_with_many_values_says_it_is_ambiguous():
    with pytest.raises(dlkit.DlkitError, match=r"bool\(\) of a tensor with 6 values \(shape \(2, 3\)\) is "
                                               r"ambiguous; use .*any\(\) or .*all\(\)"):
        bool(Tensor(np.ones((2, 3))))
    assert bool(Tensor([2.0])) and not bool(Tensor(0.0))


def test_len_of_a_0d_tensor_says_it_holds_one_number():
    with pytest.raises(dlkit.DlkitError, match=r"len\(\) of a 0-d tensor .*t.item\(\)"):
        len(Tensor(1.0))
    with pytest.raises(TypeError):  # still a TypeError, as len() of an unsized object is
        len(Tensor(1.0))


@pytest.mark.parametrize("fn, name", [(np.sum, "sum"), (np.mean, "mean"), (np.max, "max")])
def test_numpy_reductions_on_a_tensor_point_to_the_tensor_method(fn, name):
    with pytest.raises(dlkit.DlkitError, match=rf"{name}: got numpy-only arguments .*np.{name}\(tensor\).*"
                                               rf"tensor.{name}\(...\)"):
        fn(Tensor([1.0, 2.0]))


def test_negating_a_bool_tensor_points_to_invert_like_torch():
    import torch
    with pytest.raises(RuntimeError, match="bool tensor is not supported"):
        -torch.tensor([True])
    with pytest.raises(dlkit.DlkitError, match=r"neg: negating a bool tensor is not supported .*~mask"):
        -Tensor(np.array([True, False]))
    np.testing.assert_array_equal((~Tensor(np.array([True, False]))).data, [False, True])


@pytest.mark.parametrize("call", [lambda t: t.max(), lambda t: t.min(), lambda t: t.argmax(),
                                  lambda t: t.max(dim=0)])
def test_max_of_an_empty_tensor_says_it_is_empty(call):
    with pytest.raises(ShapeError, match=r"(max|min|argmax).*(empty|is empty)"):
        call(Tensor(np.zeros((0,))))
