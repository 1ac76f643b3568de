"""Property test: for any small geometry, conv2d and max_pool2d give PyTorch's output shape and values."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlkit
from dlkit.functional import conv2d, max_pool2d


@settings(max_examples=30, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4),
       stride=st.integers(1, 3), padding=st.integers(0, 2), channels=st.integers(1, 3))
def test_conv2d_and_max_pool2d_agree_with_torch_on_any_geometry(h, w, kh, kw, stride, padding,
                                                                channels):
    torch = pytest.importorskip("torch")
    if h + 2 * padding < kh or w + 2 * padding < kw:
        with pytest.raises(dlkit.ShapeError):
            conv2d(dlkit.randn(1, channels, h, w), dlkit.randn(2, channels, kh, kw), padding=padding)
        return
    rng = np.random.default_rng(h * 100 + w)
    x, weight = rng.standard_normal((2, channels, h, w)), rng.standard_normal((2, channels, kh, kw))
    out = conv2d(dlkit.Tensor(x), dlkit.Tensor(weight), stride=stride, padding=padding)
    expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(weight), stride=stride,
                                          padding=padding).numpy()
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-9, atol=1e-12)
    if 2 * padding > min(kh, kw):    # both libraries refuse padding over half the kernel
        with pytest.raises(ValueError):
            max_pool2d(dlkit.Tensor(x), (kh, kw), stride=stride, padding=padding)
    else:
        pooled = max_pool2d(dlkit.Tensor(x), (kh, kw), stride=stride, padding=padding)
        expected = torch.nn.functional.max_pool2d(torch.tensor(x), (kh, kw), stride=stride,
                                                  padding=padding).numpy()
        assert pooled.shape == expected.shape
        np.testing.assert_allclose(pooled.data, expected, rtol=1e-12)
