"""The Examples in the nn / functional docstrings run and print what they claim."""
import doctest
import importlib

import numpy as np
import pytest

import dlkit

MODULES = ["dlkit.functional.activations", "dlkit.functional.losses", "dlkit.nn.module",
           "dlkit.nn.linear", "dlkit.nn.conv", "dlkit.nn.pooling", "dlkit.nn.loss",
           "dlkit.nn.dropout", "dlkit.nn.container", "dlkit.nn.normalization", "dlkit.nn.shape",
           "dlkit.nn.upsampling", "dlkit.nn.utils.clip_grad", "dlkit.functional.interpolate"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), extraglobs={"dlkit": dlkit, "np": np})
    assert result.attempted > 0 and result.failed == 0
