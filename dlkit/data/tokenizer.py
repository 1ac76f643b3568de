"""``CharTokenizer``: characters to integer ids and back, for character-level language models.

As in makemore, id 0 is a *boundary* character ``"."`` that marks where a word starts and ends, so a
model that reads ``".emma"`` learns to predict ``"emma."`` — including when to stop.
"""
import numpy as np

from ..errors import DataTypeError


class CharTokenizer:
    """The vocabulary of ``texts``: ``"."`` gets id 0, the other characters 1, 2, … in sorted order.

    Parameters
    ----------
    texts : iterable of str
        The corpus whose characters form the vocabulary (e.g. ``dlkit.data.load_names()``).
    boundary : str
        The start/end marker, id 0. It must not occur inside the texts.

    Examples
    --------
    >>> tok = CharTokenizer(["emma", "ava"])
    >>> tok.itos
    ['.', 'a', 'e', 'm', 'v']
    >>> tok.encode("emma")
    [2, 3, 3, 1]
    >>> tok.decode([2, 3, 3, 1, 0])
    'emma.'
    """

    def __init__(self, texts, boundary="."):
        texts = list(texts)
        if any(boundary in text for text in texts):
            raise DataTypeError(f"CharTokenizer: the boundary character {boundary!r} occurs inside the "
                                "texts; choose another boundary")
        self.boundary = boundary
        self.itos = [boundary] + sorted(set("".join(texts)))   # id -> character
        self.stoi = {char: i for i, char in enumerate(self.itos)}  # character -> id

    @property
    def vocab_size(self):
        """Number of ids, boundary included (the size of an Embedding or of the output layer)."""
        return len(self.itos)

    def __len__(self):
        return len(self.itos)

    def encode(self, text):
        """The ids of the characters of ``text``."""
        try:
            return [self.stoi[char] for char in text]
        except KeyError as err:
            raise DataTypeError(f"CharTokenizer.encode: character {err.args[0]!r} of {text!r} is not in "
                                f"the vocabulary {''.join(self.itos)!r}") from None

    def decode(self, ids):
        """The text spelled by ``ids`` (a list, array or tensor of ints)."""
        ids = np.asarray(getattr(ids, "data", ids)).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self.itos)):
            raise DataTypeError(f"CharTokenizer.decode: ids must be in 0..{len(self.itos) - 1}, "
                                f"got {ids.min()}..{ids.max()}")
        return "".join(self.itos[i] for i in ids)

    def next_char_arrays(self, words, ignore_index=-100):
        """``(inputs, targets)`` for a recurrent model, one row per word, int64 of shape (n, longest + 1).

        Row ``".emma"`` → targets ``"emma."``. Shorter words are padded: inputs with the boundary id,
        targets with ``ignore_index`` (PyTorch's default for ``CrossEntropyLoss``), so padding adds
        nothing to the loss.
        """
        words = list(words)
        width = max(len(word) for word in words) + 1
        inputs = np.zeros((len(words), width), dtype=np.int64)
        targets = np.full((len(words), width), ignore_index, dtype=np.int64)
        for row, word in enumerate(words):
            ids = self.encode(word)
            inputs[row, 1:len(ids) + 1] = ids
            targets[row, :len(ids) + 1] = ids + [0]
        return inputs, targets

    def context_windows(self, words, block_size=3):
        """``(X, y)``: every character with the ``block_size`` ids before it (makemore's MLP data).

        ``"emma"`` with block size 3 gives ``...→e, ..e→m, .em→m, emm→a, mma→.``.
        """
        contexts, targets = [], []
        for word in words:
            context = [0] * block_size
            for target in self.encode(word) + [0]:
                contexts.append(context)
                targets.append(target)
                context = context[1:] + [target]
        return np.array(contexts, dtype=np.int64).reshape(-1, block_size), np.array(targets, dtype=np.int64)

    def __repr__(self):
        return f"CharTokenizer(vocab_size={self.vocab_size}, itos={''.join(self.itos)!r})"
