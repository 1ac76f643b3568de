"""Hypothesis strategies shared by the engine tests."""
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes


@st.composite
def shape_and_axis(draw):
    """A shape and an axis argument numpy accepts for it: None, an int (maybe negative) or a tuple."""
    shape = draw(array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
    ndim = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return shape, None
    if kind == "int":
        return shape, draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    # Spell some axes from the end (-1 is the last), as learners do.
    return shape, tuple(a - ndim if draw(st.booleans()) else a for a in axes)
