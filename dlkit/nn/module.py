"""``Module`` and ``Parameter``: the building blocks of every network, shaped like ``torch.nn``.

A Module holds Parameters (the tensors an optimizer trains), buffers (state that is saved but not
trained, like BatchNorm's running mean) and sub-Modules, each registered simply by assigning it as an
attribute. From that registry it can list its parameters with PyTorch's dotted names ("0.weight"),
switch every layer between training and evaluation, and save or load all its numbers as a
``state_dict`` whose keys and shapes match the same architecture in PyTorch.
"""
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from ..errors import ArgumentError, DataTypeError, DlkitError, ShapeError
from ..tensor import Tensor, scope


class StateDictError(DlkitError, KeyError):
    """A state_dict whose keys do not match the model's (missing or unexpected names)."""

    def __str__(self):  # KeyError would otherwise show the message with quotes around it
        return str(self.args[0])


class ModuleInitError(DlkitError, AttributeError):
    """A Module used before ``super().__init__()`` ran in its ``__init__``."""


class MissingForwardError(DlkitError, NotImplementedError):
    """A Module subclass called without a ``forward`` method (or a container that has none)."""


class SubmoduleError(DlkitError, AttributeError):
    """``get_submodule`` with a path that names no sub-module."""


class RemovableHandle:
    """What ``register_forward_hook`` returns: ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks, key):
        self.hooks, self.id = hooks, key

    @classmethod
    def _add(cls, hooks, hook, prepend):
        cls._next_id += 1
        hooks[cls._next_id] = hook
        if prepend:
            hooks.move_to_end(cls._next_id, last=False)
        return cls(hooks, cls._next_id)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _check_castable(who, key, value, dtype):
    """Refuse values that would change when cast to the model's ``dtype`` beyond rounding: complex
    numbers (numpy would drop the imaginary part with only a warning) and finite values too large
    for the dtype (they would become inf)."""
    if value.dtype.kind == "c":
        raise DataTypeError(f"{who}.load_state_dict: {key} holds complex values (dtype "
                            f"{value.dtype}); the model's {key} is {dtype}")
    if value.dtype.kind not in "biuf":
        raise DataTypeError(f"{who}.load_state_dict: {key} holds non-numeric values (dtype "
                            f"{value.dtype}); expected numbers for the model's {dtype}")
    if dtype.kind == "f" and value.dtype.kind == "f" and value.size:
        finite = np.isfinite(value)
        with np.errstate(over="ignore"):
            cast = value.astype(dtype)
        if np.any(finite & ~np.isfinite(cast)):
            biggest = np.abs(value[finite]).max()
            raise ArgumentError(f"{who}.load_state_dict: {key} holds values too large for the "
                                f"model's {dtype} (largest magnitude {biggest:.4g}, the limit is "
                                f"{np.finfo(dtype).max:.4g})")
    if dtype.kind in "iu" and value.dtype.kind == "f" and np.any(value != np.round(value)):
        raise DataTypeError(f"{who}.load_state_dict: {key} holds fractional values; the model's "
                            f"{key} is an integer ({dtype})")


def _check_hook(module, hook):
    if not callable(hook):
        raise DataTypeError(f"{type(module).__name__}: a hook must be callable, got "
                            f"{type(hook).__name__}")
    return hook


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(..., strict=False)`` could not match, as in PyTorch."""

    missing_keys: list
    unexpected_keys: list


class Parameter(Tensor):
    """A Tensor that is a trainable parameter of a Module (``requires_grad=True`` by default).

    Assigning a Parameter to a Module attribute registers it, so ``module.parameters()`` finds it.
    """

    def __init__(self, data, requires_grad=True, name=None):
        if isinstance(data, Tensor):
            data = data.data
        array = np.asarray(data)
        if array.dtype.kind != "f":
            array = array.astype(np.float64)
        super().__init__(array, requires_grad=requires_grad, name=name)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of layers and models: subclass it, assign layers in ``__init__``, write ``forward``.

    Examples
    --------
    >>> class TwoLayer(dlkit.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = dlkit.nn.Linear(2, 8)
    ...         self.out = dlkit.nn.Linear(8, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> [name for name, _ in TwoLayer().named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration: plain attribute assignment does it ----------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise ModuleInitError(f"{type(self).__name__}: call super().__init__() in __init__ before "
                                 f"assigning attributes (assigning {name!r})")
        if isinstance(value, Parameter):
            if name not in self._parameters:   # replacing keeps the name's place (and state_dict order)
                self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            if name not in self._modules:
                self._forget(name)
            self._modules[name] = value
        elif name in self._buffers:
            self._buffers[name] = value
        elif name in self._parameters and value is None:
            self._parameters[name] = None      # e.g. "no bias": the name stays, with no value
        elif name in self._parameters:
            raise DataTypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} to "
                                f"parameter {name!r}; expected a dlkit.nn.Parameter (or None). To "
                                f"change its values in place use self.{name}.data[...] = ...")
        else:
            self._forget(name)
        object.__setattr__(self, name, value)

    def _forget(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)

    def __delattr__(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name, array):
        """Keep ``array`` (a numpy array) as state that is saved in ``state_dict`` but not trained."""
        self._buffers[name] = array
        object.__setattr__(self, name, array)

    def register_parameter(self, name, param):
        """Same as ``setattr(self, name, param)``; ``param`` may be None (e.g. no bias)."""
        if param is None:
            self._parameters.pop(name, None)
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def add_module(self, name, module):
        setattr(self, name, module)

    # -- running ----------------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise MissingForwardError(f"{type(self).__name__} must define forward(self, ...)")

    def __call__(self, *args, **kwargs):
        # Ops made during forward are tagged with this module, so graphs can be grouped by layer.
        with scope(self):
            for hook in list(self.__dict__.get("_forward_pre_hooks", {}).values()):
                new_args = hook(self, args)
                if new_args is not None:      # a pre-hook may replace the inputs
                    args = new_args if isinstance(new_args, tuple) else (new_args,)
            output = self.forward(*args, **kwargs)
            for hook in list(self.__dict__.get("_forward_hooks", {}).values()):
                new_output = hook(self, args, output)
                if new_output is not None:    # a hook may replace the output
                    output = new_output
            return output

    # -- hooks: look inside a forward pass (e.g. to plot every layer's activations) ----------------
    def register_forward_hook(self, hook, *, prepend=False):
        """Call ``hook(module, args, output)`` after every forward of this module.

        If the hook returns something other than None, that replaces the output. Returns a handle
        whose ``remove()`` unregisters the hook (also usable as ``with`` context).

        >>> activations = {}
        >>> layer = dlkit.nn.ReLU()
        >>> handle = layer.register_forward_hook(lambda m, args, out: activations.update(relu=out))
        >>> _ = layer(dlkit.Tensor([0.5, 2.0]))
        >>> activations["relu"].data
        array([0.5, 2. ])
        >>> handle.remove()
        """
        return RemovableHandle._add(self._forward_hooks, _check_hook(self, hook), prepend)

    def register_forward_pre_hook(self, hook, *, prepend=False):
        """Call ``hook(module, args)`` before every forward; returning a value replaces the inputs
        (a tuple, or a single value that becomes the only input). Returns a removable handle."""
        return RemovableHandle._add(self._forward_pre_hooks, _check_hook(self, hook), prepend)

    # -- walking the tree -------------------------------------------------------------------------
    def children(self):
        """The direct sub-modules, in the order they were assigned."""
        return iter(self._modules.values())

    def named_children(self):
        return iter(self._modules.items())

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``(name, module)`` for this module ("") and every sub-module, depth first; a module
        reachable twice is listed once unless ``remove_duplicate=False``."""
        seen = set() if memo is None else memo

        def walk(module, prefix):
            if remove_duplicate:
                if id(module) in seen:
                    return
                seen.add(id(module))
            yield prefix, module
            for name, child in module._modules.items():
                if child is not None:
                    yield from walk(child, f"{prefix}.{name}" if prefix else name)
        return walk(self, prefix)

    def get_submodule(self, target):
        """The sub-module at the dotted path ``target`` (e.g. ``"encoder.0.conv"``; "" is self)."""
        module = self
        walked = []
        for name in target.split(".") if target else []:
            if name not in module._modules:
                where = ".".join(walked) or "the model"
                raise SubmoduleError(f"{type(self).__name__}.get_submodule({target!r}): "
                                     f"{type(module).__name__} ({where}) has no submodule {name!r}; "
                                     f"it has {list(module._modules)}")
            module = module._modules[name]
            walked.append(name)
        return module

    def modules(self):
        return (module for _, module in self.named_modules())

    def apply(self, fn):
        """Call ``fn(module)`` on every sub-module and then on this one (e.g. a custom init)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def named_parameters(self, prefix="", recurse=True):
        """``("0.weight", Parameter)`` pairs, PyTorch's names; a shared parameter is listed once."""
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self, recurse=True):
        """Every trainable Parameter (what you hand to an optimizer)."""
        return (param for _, param in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix=""):
        for module_name, module in self.named_modules(prefix=prefix):
            for name, buf in module._buffers.items():
                if buf is not None:
                    yield (f"{module_name}.{name}" if module_name else name), buf

    def buffers(self):
        return (buf for _, buf in self.named_buffers())

    # -- modes and gradients ------------------------------------------------------------------------
    def train(self, mode=True):
        """Training mode for this module and all sub-modules (dropout active, batch statistics)."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode: dropout off, BatchNorm uses its running statistics."""
        return self.train(False)

    def zero_grad(self):
        """Forget every parameter's gradient (``.grad = None``, as PyTorch does by default)."""
        for param in self.parameters():
            param.grad = None

    def requires_grad_(self, flag=True):
        for param in self.parameters():
            param.requires_grad = bool(flag)
        return self

    # -- saving and loading ------------------------------------------------------------------------
    def _state_items(self):
        """``(key, owner, attribute, array)`` for every parameter and buffer, in PyTorch's order:
        a module's own parameters, then its own buffers, then each child's in turn."""
        def walk(module, prefix):
            for name, param in module._parameters.items():
                if param is not None:
                    yield prefix + name, module, name, param.data
            for name, buf in module._buffers.items():
                if buf is not None:
                    yield prefix + name, module, name, buf
            for name, child in module._modules.items():
                if child is not None:
                    yield from walk(child, f"{prefix}{name}.")
        return walk(self, "")

    def state_dict(self):
        """An OrderedDict name -> numpy array (a copy) of every parameter and buffer.

        The keys and shapes are PyTorch's for the same architecture, so
        ``torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})`` works.
        """
        return OrderedDict((key, np.array(array, copy=True)) for key, _, _, array in self._state_items())

    def load_state_dict(self, state_dict, strict=True):
        """Copy the values of ``state_dict`` into this model's parameters and buffers (in place).

        Values may be numpy arrays, Tensors or anything ``np.asarray`` reads (e.g. CPU torch
        tensors); they are cast to each existing array's dtype. With ``strict`` every key must
        match; otherwise the unmatched keys are returned.
        """
        items = {key: (module, attr, array) for key, module, attr, array in self._state_items()}
        missing = [key for key in items if key not in state_dict]
        unexpected = [key for key in state_dict if key not in items]
        if strict and (missing or unexpected):
            raise StateDictError(
                f"{type(self).__name__}.load_state_dict: keys do not match the model. "
                f"Missing keys (in the model, not in the state_dict): {missing}; unexpected keys "
                f"(in the state_dict, not in the model): {unexpected}")
        values = {}
        wrong = []
        for key, (module, attr, array) in items.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            value = value.data if isinstance(value, Tensor) else np.asarray(value)
            if value.shape != array.shape:
                wrong.append(f"{key}: model {tuple(array.shape)}, state_dict {tuple(value.shape)}")
            _check_castable(type(self).__name__, key, value, array.dtype)
            values[key] = value
        if wrong:
            raise ShapeError(f"{type(self).__name__}.load_state_dict: shapes differ for "
                             + "; ".join(wrong))
        for key, value in values.items():
            items[key][2][...] = value   # in place, cast to the existing dtype
        return IncompatibleKeys(missing, unexpected)

    # -- dtype ------------------------------------------------------------------------------------
    def to(self, dtype):
        """Convert every float parameter and buffer to ``dtype`` (e.g. ``np.float32``), in place.

        ``to("cpu")`` is accepted and does nothing, so PyTorch code ports unchanged (dlkit is CPU only).
        """
        if isinstance(dtype, str) and dtype == "cpu":
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise DataTypeError(f"{type(self).__name__}.to: expected a float dtype, got {dtype}")
        for module in self.modules():
            for param in module._parameters.values():
                if param is not None:
                    param.data = param.data.astype(dtype)
                    if param.grad is not None:
                        param.grad = param.grad.astype(dtype)
            for name, buf in list(module._buffers.items()):
                if buf is not None and buf.dtype.kind == "f":
                    module._buffers[name] = buf.astype(dtype)
                    object.__setattr__(module, name, module._buffers[name])
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    # -- printing ---------------------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (layers override it)."""
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ")
                 for name, child in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"
