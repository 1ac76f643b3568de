"""TransformerEncoderLayer and TransformerEncoder against PyTorch: state_dict keys both ways, forward
and every gradient (post- and pre-norm, relu and gelu, masks), float32 and float64."""
import numpy as np
import pytest
from seq_oracle import check_against_torch, to_torch_state

import dlkit
from dlkit import nn

torch = pytest.importorskip("torch")


def _layer_pair(*args, **kwargs):
    dlkit.manual_seed(0)
    kwargs.setdefault("dropout", 0.0)
    return nn.TransformerEncoderLayer(*args, **kwargs), torch.nn.TransformerEncoderLayer(*args, **kwargs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_matches_torch(dtype, norm_first, activation):
    layer, twin = _layer_pair(8, 2, dim_feedforward=16, activation=activation, norm_first=norm_first)
    x = np.random.default_rng(0).standard_normal((5, 3, 8))
    check_against_torch(layer, twin, [x], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_encoder_layer_with_masks_batch_first_matches_torch(dtype):
    layer, twin = _layer_pair(12, 3, dim_feedforward=10, batch_first=True, norm_first=True)
    rng = np.random.default_rng(1)
    padding = np.array([[False] * 6, [False] * 4 + [True] * 2])
    causal = np.triu(np.ones((6, 6), dtype=bool), k=1)      # bool like the padding mask (True = blocked)
    check_against_torch(layer, twin, [rng.standard_normal((2, 6, 12))], dtype,
                        kwargs={"src_mask": causal, "src_key_padding_mask": padding})


def test_state_dict_keys_equal_torch_in_order():
    layer, twin = _layer_pair(8, 2, dim_feedforward=16)
    assert [(k, v.shape) for k, v in layer.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in twin.state_dict().items()]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_layer_encoder_with_final_norm_matches_torch(dtype):
    dlkit.manual_seed(0)
    base = nn.TransformerEncoderLayer(8, 4, dim_feedforward=16, dropout=0.0, batch_first=True,
                                      norm_first=True)
    encoder = nn.TransformerEncoder(base, 2, norm=nn.LayerNorm(8))
    twin_base = torch.nn.TransformerEncoderLayer(8, 4, dim_feedforward=16, dropout=0.0,
                                                 batch_first=True, norm_first=True)
    twin = torch.nn.TransformerEncoder(twin_base, 2, norm=torch.nn.LayerNorm(8),
                                       enable_nested_tensor=False)
    # the copies are independent: give the second one other weights before comparing
    for param in encoder.layers[1].parameters():
        param.data += 0.1
    assert not np.allclose(encoder.layers[0].linear1.weight.data, encoder.layers[1].linear1.weight.data)
    check_against_torch(encoder, twin, [np.random.default_rng(2).standard_normal((2, 5, 8))], dtype,
                        kwargs={"mask": nn.generate_square_subsequent_mask(5), "is_causal": True})


def test_torch_state_dict_loads_into_the_encoder():
    torch.manual_seed(0)
    twin = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2,
                                       enable_nested_tensor=False).double()
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2)
    encoder.load_state_dict(twin.state_dict())
    x = np.random.default_rng(3).standard_normal((4, 2, 8))
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(encoder(dlkit.Tensor(x)).data, expected, rtol=1e-9, atol=1e-12)
    back = to_torch_state(encoder.state_dict())
    assert twin.load_state_dict(back, strict=True)


def test_dropout_is_active_in_training_and_off_in_eval():
    dlkit.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.3)
    x = dlkit.randn(4, 2, 8)
    assert not np.allclose(layer(x).data, layer(x).data)
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, layer(x).data)


def test_encoder_layer_gradients_match_central_differences():
    dlkit.manual_seed(1)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=3, dropout=0.0, activation="gelu")
    x = dlkit.Tensor(np.random.default_rng(4).standard_normal((3, 1, 4)), requires_grad=True)
    assert dlkit.gradcheck(lambda x, *p: layer(x), [x, *layer.parameters()], atol=1e-6, rtol=1e-5)


def test_causal_mask_blocks_the_future():
    mask = nn.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(mask == 0, np.tril(np.ones((4, 4), dtype=bool)))
    expected = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64).numpy()
    np.testing.assert_array_equal(mask, expected)


def test_wrong_width_is_reported_by_the_attention_layer():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    with pytest.raises(dlkit.ShapeError, match=r"MultiheadAttention\(embed_dim=8.*\(2, 5, 6\)"):
        layer(dlkit.randn(2, 5, 6))


def test_unknown_activation_is_refused():
    with pytest.raises(dlkit.DataTypeError, match="'swish'"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")
