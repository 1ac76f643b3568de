"""RNN, LSTM, GRU and their cells against PyTorch (same weights via state_dict, forward and every
gradient, float32 and float64), central differences, shapes by hypothesis, and clear errors."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seq_oracle import check_against_torch, to_torch_state

import dlkit
from dlkit import nn

torch = pytest.importorskip("torch")

LAYERS = ["RNN", "LSTM", "GRU"]
CELLS = ["RNNCell", "LSTMCell", "GRUCell"]


def _pair(name, *args, **kwargs):
    dlkit.manual_seed(0)
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


def _initial_state(name, shape, rng):
    if "LSTM" in name:
        return (rng.standard_normal(shape), rng.standard_normal(shape))
    return rng.standard_normal(shape)


# -- the layers --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_torch_with_given_initial_state(name, dtype):
    rng = np.random.default_rng(1)
    layer, twin = _pair(name, 3, 5, num_layers=2)
    x = rng.standard_normal((4, 2, 3))
    check_against_torch(layer, twin, [x, _initial_state(name, (2, 2, 5), rng)], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", LAYERS)
def test_bidirectional_batch_first_layer_matches_torch(name, dtype):
    layer, twin = _pair(name, 3, 4, num_layers=2, batch_first=True, bidirectional=True)
    x = np.random.default_rng(2).standard_normal((2, 5, 3))
    check_against_torch(layer, twin, [x], dtype)


@pytest.mark.parametrize("name", LAYERS)
def test_unbatched_input_matches_torch(name):
    rng = np.random.default_rng(3)
    layer, twin = _pair(name, 3, 4, bidirectional=True)
    check_against_torch(layer, twin, [rng.standard_normal((5, 3)), _initial_state(name, (2, 4), rng)])


@pytest.mark.parametrize("name", LAYERS)
def test_layer_without_bias_matches_torch(name):
    layer, twin = _pair(name, 3, 4, bias=False)
    assert list(layer.state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    check_against_torch(layer, twin, [np.random.default_rng(4).standard_normal((3, 2, 3))])


def test_relu_rnn_matches_torch():
    layer, twin = _pair("RNN", 3, 4, num_layers=2, nonlinearity="relu")
    check_against_torch(layer, twin, [np.random.default_rng(5).standard_normal((6, 2, 3))])


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(LAYERS), batch=st.integers(1, 3), steps=st.integers(1, 4),
       layers=st.integers(1, 3), bidirectional=st.booleans(), batch_first=st.booleans(),
       input_size=st.integers(1, 3), hidden=st.integers(1, 3), with_state=st.booleans())
def test_any_small_shape_matches_torch(name, batch, steps, layers, bidirectional, batch_first,
                                       input_size, hidden, with_state):
    rng = np.random.default_rng(6)
    layer, twin = _pair(name, input_size, hidden, num_layers=layers, batch_first=batch_first,
                        bidirectional=bidirectional)
    shape = (batch, steps, input_size) if batch_first else (steps, batch, input_size)
    state_shape = (layers * (2 if bidirectional else 1), batch, hidden)
    state = _initial_state(name, state_shape, rng) if with_state else None
    out, _ = check_against_torch(layer, twin, [rng.standard_normal(shape), state])
    directions = 2 if bidirectional else 1
    assert out[0].shape == shape[:2] + (directions * hidden,)


@pytest.mark.parametrize("name", LAYERS)
def test_parameter_names_shapes_and_order_equal_torch(name):
    layer, twin = _pair(name, 3, 4, num_layers=2, bidirectional=True)
    assert [(k, v.shape) for k, v in layer.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in twin.state_dict().items()]


@pytest.mark.parametrize("name", LAYERS)
def test_torch_state_dict_loads_into_dlkit_and_gives_torch_outputs(name):
    torch.manual_seed(0)
    twin = getattr(torch.nn, name)(3, 4, num_layers=2, bidirectional=True).double()
    layer = getattr(nn, name)(3, 4, num_layers=2, bidirectional=True)
    layer.load_state_dict(twin.state_dict())
    x = np.random.default_rng(7).standard_normal((5, 2, 3))
    with torch.no_grad():
        expected = twin(torch.from_numpy(x))[0].numpy()
    np.testing.assert_allclose(layer(dlkit.Tensor(x))[0].data, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", LAYERS)
def test_init_is_uniform_within_one_over_sqrt_hidden(name):
    dlkit.manual_seed(0)
    layer = getattr(nn, name)(30, 64)
    values = np.concatenate([p.data.ravel() for p in layer.parameters()])
    assert values.max() <= 1 / 8 and values.min() >= -1 / 8
    assert values.max() > 0.12 and values.min() < -0.12      # it fills the range
    assert abs(values.std() - (1 / 8) / np.sqrt(3)) < 0.002  # U(-a, a) has std a/√3


def test_dropout_between_layers_only_in_training():
    dlkit.manual_seed(0)
    layer = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = dlkit.Tensor(np.random.default_rng(8).standard_normal((5, 2, 3)))
    first, second = layer(x)[0].data, layer(x)[0].data
    assert not np.allclose(first, second)           # different dropout masks
    layer.eval()
    np.testing.assert_array_equal(layer(x)[0].data, layer(x)[0].data)
    # with dropout off, an eval forward equals torch's (checked against the twin)
    twin = torch.nn.LSTM(3, 4, num_layers=2, dropout=0.5).double().eval()
    twin.load_state_dict(to_torch_state(layer.state_dict()))
    with torch.no_grad():
        np.testing.assert_allclose(layer(x)[0].data, twin(torch.from_numpy(x.data))[0].numpy(),
                                   rtol=1e-9, atol=1e-12)


def test_dropout_with_one_layer_warns_as_torch_does():
    with pytest.warns(UserWarning, match="num_layers=1"):
        nn.GRU(2, 3, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(2, 3, num_layers=2, dropout=0.2)


# -- the cells ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", CELLS)
def test_cell_matches_torch(name, dtype):
    rng = np.random.default_rng(9)
    cell, twin = _pair(name, 3, 4)
    check_against_torch(cell, twin, [rng.standard_normal((2, 3)), _initial_state(name, (2, 4), rng)], dtype)


@pytest.mark.parametrize("name", CELLS)
def test_cell_without_state_and_unbatched_matches_torch(name):
    rng = np.random.default_rng(10)
    cell, twin = _pair(name, 3, 4, bias=False)
    check_against_torch(cell, twin, [rng.standard_normal((2, 3))])
    check_against_torch(cell, twin, [rng.standard_normal(3), _initial_state(name, (4,), rng)])


def test_relu_cell_matches_torch():
    cell, twin = _pair("RNNCell", 3, 4, nonlinearity="relu")
    check_against_torch(cell, twin, [np.random.default_rng(11).standard_normal((2, 3))])


@pytest.mark.parametrize("name", CELLS)
def test_cell_gradients_match_central_differences(name):
    rng = np.random.default_rng(12)
    dlkit.manual_seed(1)
    cell = getattr(nn, name)(2, 3)
    x = dlkit.Tensor(rng.standard_normal((2, 2)), requires_grad=True)
    h = dlkit.Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    c = dlkit.Tensor(rng.standard_normal((2, 3)), requires_grad=True)

    def step(x, h, c, *params):      # the parameters are perturbed in place by gradcheck
        if name == "LSTMCell":
            h2, c2 = cell(x, (h, c))
            return h2 * 2 + c2 * 3
        return cell(x, h) + c * 0
    assert dlkit.gradcheck(step, [x, h, c, *cell.parameters()], atol=1e-7, rtol=1e-5)


def test_lstm_over_three_steps_matches_central_differences():
    dlkit.manual_seed(2)
    layer = nn.LSTM(2, 2, bidirectional=True)
    x = dlkit.Tensor(np.random.default_rng(13).standard_normal((3, 1, 2)), requires_grad=True)
    assert dlkit.gradcheck(lambda x, *p: layer(x)[0], [x, *layer.parameters()], atol=1e-7, rtol=1e-5)


# -- backpropagation through time is visible -----------------------------------------------------------
def test_hidden_states_are_named_by_layer_and_step():
    layer = nn.GRU(2, 3, bidirectional=True)
    out, _h_n = layer(dlkit.randn(4, 1, 2))
    names = {t.name for t in dlkit.topological_order(out) if t.name}
    assert {"h_l0[0]", "h_l0[3]", "h_l0_reverse[0]", "h_l0_reverse[3]"} <= names


def test_each_time_step_is_its_own_scope_so_graphs_fold_by_step():
    layer = nn.LSTM(2, 3, num_layers=2)
    out, _ = layer(dlkit.randn(5, 1, 2, requires_grad=True))
    labels = {t.scope.graph_label for t in dlkit.topological_order(out)
              if t.op and hasattr(t.scope, "graph_label")}
    assert labels == {f"LSTM layer {k} t={t}" for k in range(2) for t in range(5)}


# -- errors ---------------------------------------------------------------------------------------------
def test_wrong_feature_count_names_the_layer_and_shapes():
    with pytest.raises(dlkit.ShapeError, match=r"LSTM\(3, 4\).*input_size=3.*\(5, 2, 7\)"):
        nn.LSTM(3, 4)(dlkit.randn(5, 2, 7))


def test_features_on_the_wrong_axis_get_a_layout_hint():
    with pytest.raises(dlkit.ShapeError, match=r"dimension 1 has size 3.*last axis"):
        nn.GRU(3, 4, batch_first=True)(dlkit.randn(2, 3, 6))


def test_wrong_number_of_dimensions_shows_the_expected_layout():
    with pytest.raises(dlkit.ShapeError, match=r"\(batch, seq_len, input_size\).*batch_first=True"):
        nn.RNN(3, 4, batch_first=True)(dlkit.randn(2, 2, 5, 3))


def test_h0_of_the_wrong_shape_names_the_expected_shape():
    layer = nn.GRU(3, 4, num_layers=2)
    with pytest.raises(dlkit.ShapeError, match=r"GRU\(3, 4, num_layers=2\).*h_0 of shape \(2, 5, 4\)"):
        layer(dlkit.randn(6, 5, 3), dlkit.randn(1, 5, 4))


def test_h0_whose_batch_differs_hints_at_batch_first():
    layer = nn.RNN(3, 4)
    with pytest.raises(dlkit.ShapeError, match=r"batch size 6.*batch_first=False"):
        layer(dlkit.randn(2, 6, 3), dlkit.randn(1, 2, 4))   # data given as (batch, seq, features)


def test_lstm_needs_a_pair_of_states():
    with pytest.raises(dlkit.DataTypeError, match=r"pair \(h_0, c_0\)"):
        nn.LSTM(3, 4)(dlkit.randn(2, 1, 3), dlkit.randn(1, 1, 4))
    with pytest.raises(dlkit.ShapeError, match=r"c_0 of shape \(1, 1, 4\)"):
        nn.LSTM(3, 4)(dlkit.randn(2, 1, 3), (dlkit.randn(1, 1, 4), dlkit.randn(1, 1, 5)))


def test_token_ids_are_refused_with_a_pointer_to_embedding():
    with pytest.raises(dlkit.DataTypeError, match="Embedding"):
        nn.LSTM(3, 4)(np.zeros((2, 1, 3), dtype=np.int64))


def test_cell_state_of_the_wrong_shape_names_the_cell():
    with pytest.raises(dlkit.ShapeError, match=r"LSTMCell\(3, 4\).*c of shape \(2, 4\)"):
        nn.LSTMCell(3, 4)(dlkit.randn(2, 3), (dlkit.randn(2, 4), dlkit.randn(4)))
    with pytest.raises(dlkit.ShapeError, match=r"GRUCell\(3, 4\).*input_size=3.*\(2, 5\)"):
        nn.GRUCell(3, 4)(dlkit.randn(2, 5))


def test_collapsed_graph_has_one_box_per_time_step():
    from dlkit.viz import draw_graph
    layer = nn.RNN(2, 3)
    out, _ = layer(dlkit.randn(6, 1, 2))
    source = draw_graph(out.sum(), collapse="module", max_nodes=None).source
    for t in range(6):
        assert source.count(f"RNN layer 0 t={t}\\n") == 1
    unfolded = draw_graph(out.sum(), max_nodes=None).source
    assert unfolded.count("tanh") == 6 and "h_l0[5]" in unfolded


def test_backward_stepper_walks_through_time():
    from dlkit.viz import BackwardStepper
    layer = nn.LSTM(2, 2)
    x = dlkit.randn(3, 1, 2)
    loss = layer(x)[0].sum()
    stepper = BackwardStepper(loss)
    while stepper.step() is not None:
        pass
    assert any(step.node.name == "h_l0[0]" for step in stepper.steps)
    expected = nn.LSTM(2, 2)
    expected.load_state_dict(layer.state_dict())
    expected(x)[0].sum().backward()
    for mine, reference in zip(layer.parameters(), expected.parameters()):
        np.testing.assert_allclose(mine.grad, reference.grad, rtol=1e-12)


@pytest.mark.parametrize("name", CELLS)
def test_torch_cell_state_dict_loads_into_dlkit(name):
    torch.manual_seed(1)
    twin = getattr(torch.nn, name)(3, 4).double()
    cell = getattr(nn, name)(3, 4)
    cell.load_state_dict(twin.state_dict())
    x = np.random.default_rng(14).standard_normal((2, 3))
    with torch.no_grad():
        expected = twin(torch.from_numpy(x))
    expected = expected[0] if isinstance(expected, tuple) else expected
    got = cell(dlkit.Tensor(x))
    got = got[0] if isinstance(got, tuple) else got
    np.testing.assert_allclose(got.data, expected.numpy(), rtol=1e-9, atol=1e-12)
