"""Scaled dot-product attention and MultiheadAttention against PyTorch (forward, every gradient,
float32 and float64, masks of every kind), central differences, and clear errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seq_oracle import check_against_torch, to_torch_state

import dlkit
from dlkit import nn
from dlkit.functional import scaled_dot_product_attention

torch = pytest.importorskip("torch")


class SDPA(nn.Module):
    def __init__(self, **options):
        super().__init__()
        self.options = options

    def forward(self, q, k, v):
        return scaled_dot_product_attention(q, k, v, **self.options)


class TorchSDPA(torch.nn.Module):
    def __init__(self, **options):
        super().__init__()
        self.options = {key: torch.from_numpy(value) if isinstance(value, np.ndarray) else value
                        for key, value in options.items()}

    def forward(self, q, k, v):
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, **self.options)


def _qkv(rng, batch=(2, 3), queries=4, keys=5, dim=6, value_dim=3):
    return [rng.standard_normal(batch + (queries, dim)), rng.standard_normal(batch + (keys, dim)),
            rng.standard_normal(batch + (keys, value_dim))]


def _check_sdpa(inputs, dtype=np.float64, **options):
    check_against_torch(SDPA(**options), TorchSDPA(**options), inputs, dtype)


# -- scaled_dot_product_attention ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sdpa_matches_torch(dtype):
    _check_sdpa(_qkv(np.random.default_rng(0)), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sdpa_causal_matches_torch_also_with_more_keys_than_queries(dtype):
    rng = np.random.default_rng(1)
    _check_sdpa(_qkv(rng, queries=5, keys=5), dtype, is_causal=True)
    _check_sdpa(_qkv(rng, queries=3, keys=5), dtype, is_causal=True)


def test_sdpa_bool_mask_true_means_attend():
    rng = np.random.default_rng(2)
    mask = rng.random((4, 5)) < 0.6
    mask[:, 0] = True
    _check_sdpa(_qkv(rng), attn_mask=mask)
    per_batch = rng.random((2, 1, 4, 5)) < 0.6
    per_batch[..., 1] = True
    _check_sdpa(_qkv(rng), attn_mask=per_batch)


def test_sdpa_float_mask_is_added_and_scale_overrides():
    rng = np.random.default_rng(3)
    _check_sdpa(_qkv(rng), attn_mask=rng.standard_normal((4, 5)), scale=0.3)


def test_sdpa_query_that_may_attend_nowhere_gets_zeros_like_torch():
    rng = np.random.default_rng(4)
    mask = np.ones((4, 5), dtype=bool)
    mask[2] = False
    _check_sdpa(_qkv(rng), attn_mask=mask)
    out = scaled_dot_product_attention(*[dlkit.Tensor(a) for a in _qkv(rng)], attn_mask=mask)
    np.testing.assert_array_equal(out.data[..., 2, :], 0)


@settings(max_examples=25, deadline=None)
@given(batch=st.lists(st.integers(1, 3), min_size=0, max_size=2), queries=st.integers(1, 4),
       keys=st.integers(1, 4), dim=st.integers(1, 4), value_dim=st.integers(1, 3),
       causal=st.booleans())
def test_sdpa_any_small_shape_matches_torch(batch, queries, keys, dim, value_dim, causal):
    inputs = _qkv(np.random.default_rng(5), tuple(batch), queries, keys, dim, value_dim)
    _check_sdpa(inputs, is_causal=causal)


def test_sdpa_gradients_match_central_differences():
    rng = np.random.default_rng(6)
    q, k, v = (dlkit.Tensor(a, requires_grad=True) for a in _qkv(rng, (2,), 3, 4, 2, 2))
    mask = rng.standard_normal((3, 4))
    assert dlkit.gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, attn_mask=mask),
                           [q, k, v], atol=1e-7, rtol=1e-5)


def test_sdpa_dropout_zeroes_some_weights_and_scales_the_rest():
    dlkit.manual_seed(0)
    q = k = dlkit.Tensor(np.zeros((1, 4, 2)))
    v = dlkit.Tensor(np.eye(4)[None])        # output row = the weights themselves
    out = scaled_dot_product_attention(q, k, v, dropout_p=0.5).data
    assert set(np.round(out.ravel(), 12)) <= {0.0, 0.5}  # 1/4 weights, kept ones doubled
    assert 0 < (out == 0).sum() < 16


def test_sdpa_errors_name_the_op_and_the_shapes():
    q, k, v = (dlkit.Tensor(a) for a in _qkv(np.random.default_rng(7)))
    with pytest.raises(dlkit.ShapeError, match=r"scaled_dot_product_attention.*attn_mask of shape "
                                               r"\(3, 5\).*\(2, 3, 4, 5\)"):
        scaled_dot_product_attention(q, k, v, attn_mask=np.ones((3, 5), dtype=bool))
    with pytest.raises(dlkit.ShapeError, match=r"same E.*\(2, 3, 4, 6\) and \(2, 3, 5, 2\)"):
        scaled_dot_product_attention(q, k[..., :2], v)
    with pytest.raises(dlkit.ShapeError, match=r"value.*S=5"):
        scaled_dot_product_attention(q, k, v[..., :4, :])
    with pytest.raises(ValueError, match="not both"):
        scaled_dot_product_attention(q, k, v, attn_mask=np.ones((4, 5), bool), is_causal=True)
    with pytest.raises(dlkit.DataTypeError, match="bool or float"):
        scaled_dot_product_attention(q, k, v, attn_mask=np.ones((4, 5), dtype=np.int64))


# -- MultiheadAttention ---------------------------------------------------------------------------
def _mha_pair(*args, **kwargs):
    dlkit.manual_seed(0)
    return nn.MultiheadAttention(*args, **kwargs), torch.nn.MultiheadAttention(*args, **kwargs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_self_and_cross_attention_match_torch(dtype, batch_first):
    rng = np.random.default_rng(8)
    layer, twin = _mha_pair(8, 2, batch_first=batch_first)
    x = rng.standard_normal((2, 4, 8) if batch_first else (4, 2, 8))
    memory = rng.standard_normal((2, 6, 8) if batch_first else (6, 2, 8))
    check_against_torch(layer, twin, [x, x, x], dtype)
    check_against_torch(layer, twin, [x, memory, memory], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mha_with_both_masks_and_per_head_weights_matches_torch(dtype):
    rng = np.random.default_rng(9)
    layer, twin = _mha_pair(12, 3)
    q, kv = rng.standard_normal((4, 2, 12)), rng.standard_normal((5, 2, 12))
    padding = np.array([[False] * 5, [False, False, False, True, True]])
    causalish = np.triu(np.ones((4, 5), dtype=bool), k=2)
    check_against_torch(layer, twin, [q, kv, kv], dtype,
                        kwargs={"key_padding_mask": padding, "attn_mask": causalish,
                                "average_attn_weights": False})
    per_head = rng.standard_normal((2 * 3, 4, 5))
    check_against_torch(layer, twin, [q, kv, kv], dtype,
                        kwargs={"key_padding_mask": rng.standard_normal((2, 5)), "attn_mask": per_head})


def test_mha_without_bias_with_kdim_vdim_and_without_weights_matches_torch():
    rng = np.random.default_rng(10)
    layer, twin = _mha_pair(6, 3, bias=False, kdim=4, vdim=5, batch_first=True)
    assert list(layer.state_dict()) == list(twin.state_dict()) == [
        "q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"]
    q, k, v = rng.standard_normal((2, 3, 6)), rng.standard_normal((2, 4, 4)), rng.standard_normal((2, 4, 5))
    check_against_torch(layer, twin, [q, k, v])
    out, weights = layer(dlkit.Tensor(q), dlkit.Tensor(k), dlkit.Tensor(v), need_weights=False)
    assert weights is None and out.shape == (2, 3, 6)


def test_mha_unbatched_matches_torch():
    rng = np.random.default_rng(11)
    layer, twin = _mha_pair(8, 4)
    q, kv = rng.standard_normal((3, 8)), rng.standard_normal((5, 8))
    check_against_torch(layer, twin, [q, kv, kv], kwargs={"key_padding_mask": np.arange(5) > 3})


@settings(max_examples=20, deadline=None)
@given(batch=st.integers(1, 3), queries=st.integers(1, 4), keys=st.integers(1, 4),
       heads=st.integers(1, 3), head_dim=st.integers(1, 3), batch_first=st.booleans())
def test_mha_any_small_shape_matches_torch(batch, queries, keys, heads, head_dim, batch_first):
    rng = np.random.default_rng(12)
    layer, twin = _mha_pair(heads * head_dim, heads, batch_first=batch_first)
    def shape(n):
        return (batch, n, heads * head_dim) if batch_first else (n, batch, heads * head_dim)
    kv = rng.standard_normal(shape(keys))
    check_against_torch(layer, twin, [rng.standard_normal(shape(queries)), kv, kv])


def test_mha_parameters_and_init_follow_torch():
    layer, twin = _mha_pair(16, 4)
    assert [(k, v.shape) for k, v in layer.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in twin.state_dict().items()]
    np.testing.assert_array_equal(layer.in_proj_bias.data, 0)
    np.testing.assert_array_equal(layer.out_proj.bias.data, 0)
    bound = np.sqrt(6 / (16 + 48))                          # xavier_uniform on (48, 16)
    assert np.abs(layer.in_proj_weight.data).max() <= bound
    assert np.abs(layer.in_proj_weight.data).max() > 0.9 * bound


def test_torch_state_dict_loads_into_mha():
    torch.manual_seed(0)
    twin = torch.nn.MultiheadAttention(8, 2, batch_first=True).double()
    layer = nn.MultiheadAttention(8, 2, batch_first=True)
    layer.load_state_dict(twin.state_dict())
    x = np.random.default_rng(13).standard_normal((2, 3, 8))
    with torch.no_grad():
        expected, expected_weights = twin(*[torch.from_numpy(x)] * 3)
    out, weights = layer(x, x, x)
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(weights.data, expected_weights.numpy(), rtol=1e-9, atol=1e-12)


def test_mha_gradients_match_central_differences():
    dlkit.manual_seed(1)
    layer = nn.MultiheadAttention(4, 2, batch_first=True)
    rng = np.random.default_rng(14)
    x = dlkit.Tensor(rng.standard_normal((1, 3, 4)), requires_grad=True)
    mask = np.triu(np.ones((3, 3), dtype=bool), k=1)
    assert dlkit.gradcheck(lambda x, *p: layer(x, x, x, attn_mask=mask)[0], [x, *layer.parameters()],
                           atol=1e-7, rtol=1e-5)


def test_mha_dropout_acts_on_the_returned_weights_in_training_only():
    dlkit.manual_seed(2)
    layer = nn.MultiheadAttention(4, 1, dropout=0.5, batch_first=True)
    x = dlkit.Tensor(np.random.default_rng(15).standard_normal((1, 6, 4)))
    layer.eval()
    clean = layer(x, x, x)[1].data
    layer.train()
    dropped = layer(x, x, x)[1].data
    kept = dropped != 0
    assert 0 < kept.sum() < kept.size
    np.testing.assert_allclose(dropped[kept], 2 * clean[kept], rtol=1e-12)


def test_mha_errors_name_the_layer_and_shapes():
    layer = nn.MultiheadAttention(8, 2)
    x = dlkit.randn(4, 2, 8)
    who = r"MultiheadAttention\(embed_dim=8, num_heads=2\)"
    with pytest.raises(dlkit.ShapeError, match=who + r".*query with last dimension 8.*\(4, 2, 6\)"):
        layer(dlkit.randn(4, 2, 6), x, x)
    with pytest.raises(dlkit.ShapeError, match=who + r".*attn_mask must have shape \(4, 4\).*\(3, 4\)"):
        layer(x, x, x, attn_mask=np.zeros((3, 4), dtype=bool))
    with pytest.raises(dlkit.ShapeError, match=who + r".*key_padding_mask must have shape \(2, 4\).*\(4, 2\)"):
        layer(x, x, x, key_padding_mask=np.zeros((4, 2), dtype=bool))
    with pytest.raises(dlkit.ShapeError, match=who + r".*batch size.*\(seq, batch, feature\)"):
        layer(x, dlkit.randn(4, 3, 8), dlkit.randn(4, 3, 8))
    with pytest.raises(dlkit.ShapeError, match=who + r".*3-D.*batch_first=False"):
        layer(dlkit.randn(1, 4, 2, 8), x, x)
    with pytest.raises(ValueError, match="needs attn_mask"):
        layer(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="multiple of num_heads=3"):
        nn.MultiheadAttention(8, 3)


def test_returned_weights_are_probabilities_over_keys():
    layer = nn.MultiheadAttention(6, 3, batch_first=True)
    x = dlkit.randn(2, 5, 6)
    _, weights = layer(x, x, x, key_padding_mask=np.array([[False] * 4 + [True]] * 2))
    np.testing.assert_allclose(weights.data.sum(-1), 1, rtol=1e-12)
    np.testing.assert_array_equal(weights.data[..., 4], 0)
    state = to_torch_state(layer.state_dict())
    assert set(state) == {"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}
