"""The Examples in the docstrings of the sequence modules run and print what they claim."""
import doctest
import importlib

import numpy as np
import pytest

import dlkit

MODULES = ["dlkit.nn.embedding", "dlkit.nn.rnn_cell", "dlkit.nn.recurrent"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), extraglobs={"dlkit": dlkit, "np": np})
    assert result.attempted > 0 and result.failed == 0
