"""CharTokenizer: the makemore vocabulary, encode/decode round trips, and the training arrays."""
import doctest

import numpy as np
import pytest

import dlkit
from dlkit.data import CharTokenizer


def test_boundary_is_id_zero_and_letters_follow_in_order():
    tok = CharTokenizer(dlkit.data.load_names())
    assert tok.vocab_size == len(tok) == 27
    assert tok.itos[0] == "." and tok.itos[1] == "a" and tok.itos[26] == "z"
    assert tok.stoi["e"] == 5


def test_encode_then_decode_gives_the_text_back():
    tok = CharTokenizer(["hello", "world"])
    for word in ["hello", "world", "low", ""]:
        assert tok.decode(tok.encode(word)) == word
    assert tok.decode(np.array([0, tok.stoi["h"], 0])) == ".h."


def test_unknown_characters_and_ids_get_clear_errors():
    tok = CharTokenizer(["abc"])
    with pytest.raises(dlkit.DataTypeError, match=r"'z' of 'az' is not in the vocabulary"):
        tok.encode("az")
    with pytest.raises(dlkit.DataTypeError, match=r"0\.\.3"):
        tok.decode([7])
    with pytest.raises(dlkit.DataTypeError, match="boundary"):
        CharTokenizer(["a.b"])


def test_next_char_arrays_shift_by_one_and_pad_targets_with_ignore_index():
    tok = CharTokenizer(["emma", "ava"])                     # . a e m v -> 0 1 2 3 4
    inputs, targets = tok.next_char_arrays(["emma", "ava"])
    np.testing.assert_array_equal(inputs, [[0, 2, 3, 3, 1], [0, 1, 4, 1, 0]])
    np.testing.assert_array_equal(targets, [[2, 3, 3, 1, 0], [1, 4, 1, 0, -100]])
    assert inputs.dtype == targets.dtype == np.int64


def test_context_windows_are_makemores_mlp_data():
    tok = CharTokenizer(["emma"])                            # . a e m -> 0 1 2 3
    X, y = tok.context_windows(["emma"], block_size=3)
    np.testing.assert_array_equal(X, [[0, 0, 0], [0, 0, 2], [0, 2, 3], [2, 3, 3], [3, 3, 1]])
    np.testing.assert_array_equal(y, [2, 3, 3, 1, 0])


def test_docstring_examples():
    import dlkit.data.names
    import dlkit.data.tokenizer
    for module in (dlkit.data.tokenizer, dlkit.data.names):
        result = doctest.testmod(module, extraglobs={"dlkit": dlkit, "CharTokenizer": CharTokenizer})
        assert result.attempted > 0 and result.failed == 0
