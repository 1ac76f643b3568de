"""Elementwise functions of one tensor: each forward, then its derivative, side by side.

Each output entry depends only on the entry of the input at the same place, so every backward rule
here is ``upstream ⊙ f′(a)``: the local derivative, evaluated entry by entry.
"""
import numpy as np


class ElementwiseOps:
    """Methods of :class:`dlkit.Tensor` (mixed in; see ``dlkit/tensor.py``)."""

    __slots__ = ()

    def exp(self):
        data = np.exp(self.data)

        def backward(g):
            return (g * data,)
        return self._result(data, (self,), "exp", backward, "∂eᵃ/∂a = eᵃ")

    def log(self):
        with np.errstate(divide="ignore", invalid="ignore"):
            data = np.log(self.data)

        def backward(g):
            return (g / self.data,)
        return self._result(data, (self,), "log", backward, "∂ln(a)/∂a = 1/a")

    def log1p(self):
        """``log(1 + a)``, accurate for tiny ``a`` (where ``1 + a`` would round to 1)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            data = np.log1p(self.data)

        def backward(g):
            return (g / (1 + self.data),)
        return self._result(data, (self,), "log1p", backward, "∂ln(1+a)/∂a = 1/(1+a)")

    def expm1(self):
        """``exp(a) − 1``, accurate for tiny ``a``."""
        data = np.expm1(self.data)

        def backward(g):
            return (g * (data + 1),)
        return self._result(data, (self,), "expm1", backward, "∂(eᵃ−1)/∂a = eᵃ")

    def sqrt(self):
        data = np.sqrt(self.data)

        def backward(g):
            return (g * 0.5 / data,)
        return self._result(data, (self,), "sqrt", backward, "∂√a/∂a = 1/(2√a)")

    def sin(self):
        def backward(g):
            return (g * np.cos(self.data),)
        return self._result(np.sin(self.data), (self,), "sin", backward, "∂sin(a)/∂a = cos(a)")

    def cos(self):
        def backward(g):
            return (-g * np.sin(self.data),)
        return self._result(np.cos(self.data), (self,), "cos", backward, "∂cos(a)/∂a = −sin(a)")

    def tanh(self):
        data = np.tanh(self.data)

        def backward(g):
            return (g * (1 - data * data),)
        return self._result(data, (self,), "tanh", backward, "∂tanh(a)/∂a = 1 − tanh²(a)")

    def sigmoid(self):
        # 1/(1 + e⁻ᵃ) keeps tiny results to full precision (the old 0.5·(tanh(a/2) + 1) rounded
        # them to 0 below a ≈ −17 in float32). Below −log(max float) (−88.7 in float32, −709.8 in
        # float64) e⁻ᵃ overflows to inf and σ comes out 0, where PyTorch gives a subnormal (< 3e-39
        # in float32) or 0. Clamping a first cost a quarter of σ's time (np.minimum with a scalar
        # is numpy's slow loop). float16 is computed in float32 and rounded, as PyTorch does.
        # Written into one buffer with out= (no temporaries): σ is the hot op of an LSTM.
        a = self.data if self.data.dtype.kind == "f" else self.data.astype(np.float64)
        work = a.astype(np.float32) if a.dtype == np.float16 else a
        data = np.negative(work, out=np.empty_like(work))  # out= keeps a 0-d result an array
        with np.errstate(over="ignore", under="ignore"):
            np.exp(data, out=data)
            data += 1.0
            np.reciprocal(data, out=data)
            data = data.astype(a.dtype, copy=False)

        def backward(g):
            return (g * data * (1 - data),)
        return self._result(data, (self,), "sigmoid", backward, "∂σ(a)/∂a = σ(a)·(1 − σ(a))")

    def relu(self):
        # max(a, +0): −inf gives 0, nan stays nan, and no −0.0 comes out (a · (a > 0) gave −0.0
        # for negatives and nan for −inf).
        data = np.maximum(self.data, 0.0)

        def backward(g):
            return (g * (data > 0),)
        return self._result(data, (self,), "relu", backward, "∂relu(a)/∂a = 1 if a > 0 else 0")

    def leaky_relu(self, negative_slope=0.01):
        slope = np.where(self.data > 0, 1.0, negative_slope).astype(self.data.dtype)
        data = self.data * slope

        def backward(g):
            return (g * slope,)
        return self._result(data, (self,), "leaky_relu", backward,
                            f"∂lrelu(a)/∂a = 1 if a > 0 else {negative_slope:g}")

    def abs(self):
        def backward(g):
            # sign(a), but 0 where a is nan (as torch: a nan input sends no gradient back)
            sign = np.greater(self.data, 0).astype(g.dtype) - np.less(self.data, 0)
            return (g * sign,)
        return self._result(np.abs(self.data), (self,), "abs", backward, "∂|a|/∂a = sign(a)")

    __abs__ = abs

    def clamp(self, min=None, max=None):
        """Limit values to ``[min, max]``; the gradient is 1 inside the range and 0 outside."""
        if min is None and max is None:
            from .errors import DataTypeError
            raise DataTypeError("clamp: give at least one of min= and max=")
        data = np.clip(self.data, min, max).astype(self.data.dtype, copy=False)
        inside = np.ones(self.shape, dtype=bool)
        if min is not None:
            inside &= self.data >= min
        if max is not None:
            inside &= self.data <= max

        def backward(g):
            return (g * inside,)
        return self._result(data, (self,), "clamp", backward,
                            "∂clamp(a)/∂a = 1 inside [min, max], else 0")

    clip = clamp
