"""The Examples in the docstrings of the attention and transformer modules run as claimed."""
import doctest
import importlib

import numpy as np
import pytest

import dlkit

MODULES = ["dlkit.functional.attention", "dlkit.nn.attention", "dlkit.nn.transformer"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), extraglobs={"dlkit": dlkit, "np": np})
    assert result.attempted > 0 and result.failed == 0
