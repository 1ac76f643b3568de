"""Containers: ``Sequential`` (a chain of modules), ``ModuleList`` and ``ModuleDict`` (modules held by
position or by name, registered so their parameters are found), as in PyTorch."""
import operator
from collections import OrderedDict

from ..errors import DataTypeError, DlkitError, ShapeError
from .module import MissingForwardError, Module


def _check_module(who, module):
    if not isinstance(module, Module):
        raise DataTypeError(f"{who}: expected a dlkit.nn.Module, got {type(module).__name__}"
                            + (" (did you forget the parentheses, e.g. ReLU()?)"
                               if isinstance(module, type) else ""))
    return module


def _position(who, index, length):
    """A valid non-negative position from a (possibly negative) index, or an IndexError-like error."""
    try:
        index = operator.index(index)
    except TypeError:
        raise DataTypeError(f"{who}: index must be an int or a slice, got {type(index).__name__}") from None
    if not -length <= index < length:
        raise IndexOutOfRange(f"{who}: index {index} is out of range for {length} modules")
    return index % length


class IndexOutOfRange(ShapeError, IndexError):
    """An index past the end of a ``Sequential`` or ``ModuleList``."""


class ModuleKeyError(DlkitError, KeyError):
    """A ``ModuleDict`` key that holds no module."""

    def __str__(self):  # KeyError would otherwise show the message with quotes around it
        return str(self.args[0])


class Sequential(Module):
    """Apply the given modules in order. They are named "0", "1", … as in PyTorch, so
    ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))`` has parameters ``0.weight, 0.bias, 2.weight,
    2.bias``; or pass one ``OrderedDict`` to name them yourself.

    Indexing gives a module, slicing a ``Sequential`` that keeps the original names (as PyTorch).

    >>> model = dlkit.nn.Sequential(dlkit.nn.Linear(2, 8), dlkit.nn.ReLU(), dlkit.nn.Linear(8, 1))
    >>> model(dlkit.randn(5, 2)).shape
    (5, 1)
    >>> model[0]
    Linear(in_features=2, out_features=8, bias=True)
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, _check_module("Sequential", module))
        else:
            for module in args:
                self.append(module)

    def append(self, module):
        """Add ``module`` at the end (named by its position)."""
        setattr(self, str(len(self._modules)), _check_module("Sequential", module))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index``; later modules are renamed by position."""
        modules = list(self._modules.values())
        position = index if index == len(modules) else _position("Sequential", index, len(modules) or 1)
        modules.insert(position, _check_module("Sequential", module))
        self._renumber(modules)
        return self

    def _renumber(self, modules):
        for name in list(self._modules):
            delattr(self, name)
        for i, module in enumerate(modules):
            setattr(self, str(i), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        names = list(self._modules)
        return self._modules[names[_position("Sequential", index, len(names))]]

    def __setitem__(self, index, module):
        names = list(self._modules)
        setattr(self, names[_position("Sequential", index, len(names))],
                _check_module("Sequential", module))

    def __delitem__(self, index):
        names = list(self._modules)
        targets = names[index] if isinstance(index, slice) else \
            [names[_position("Sequential", index, len(names))]]
        for name in targets:
            delattr(self, name)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules whose parameters the parent module finds (a plain Python list would hide
    them from ``parameters()`` and ``state_dict()``). Names are positions: "0", "1", ….

    >>> layers = dlkit.nn.ModuleList([dlkit.nn.Linear(4, 4) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module):
        setattr(self, str(len(self._modules)), _check_module("ModuleList", module))
        return self

    def extend(self, modules):
        if isinstance(modules, Module) and not isinstance(modules, ModuleList | Sequential):
            raise DataTypeError("ModuleList.extend: expected an iterable of modules, got a single "
                                f"{type(modules).__name__} (use append)")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        position = index if index == len(modules) else _position("ModuleList", index, len(modules) or 1)
        modules.insert(position, _check_module("ModuleList", module))
        self._renumber(modules)

    def _renumber(self, modules):
        for name in list(self._modules):
            delattr(self, name)
        for i, module in enumerate(modules):
            setattr(self, str(i), module)

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(modules[index])
        return modules[_position("ModuleList", index, len(modules))]

    def __setitem__(self, index, module):
        position = _position("ModuleList", index, len(self._modules))
        setattr(self, str(position), _check_module("ModuleList", module))

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_position("ModuleList", index, len(modules))]
        self._renumber(modules)      # PyTorch renumbers too, so names stay 0, 1, 2, …

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def forward(self, *args, **kwargs):
        raise MissingForwardError("ModuleList has no forward: iterate over it in your module's "
                                  "forward, e.g. `for layer in self.layers: x = layer(x)`")


class ModuleDict(Module):
    """A dictionary of modules (string keys), registered like attributes, in insertion order.

    >>> heads = dlkit.nn.ModuleDict({"cls": dlkit.nn.Linear(8, 3), "box": dlkit.nn.Linear(8, 4)})
    >>> [name for name, _ in heads.named_parameters()]
    ['cls.weight', 'cls.bias', 'box.weight', 'box.bias']
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _check_key(self, key):
        if not isinstance(key, str):
            raise DataTypeError(f"ModuleDict: keys must be strings, got {type(key).__name__} {key!r}")
        if "." in key or key == "":
            raise DataTypeError(f"ModuleDict: key {key!r} must be a non-empty name without '.'")
        return key

    def __getitem__(self, key):
        if key not in self._modules:
            raise ModuleKeyError(f"ModuleDict has no module {key!r}; keys are {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key, module):
        setattr(self, self._check_key(key), _check_module("ModuleDict", module))

    def __delitem__(self, key):
        self[key]      # a clear KeyError if missing
        delattr(self, key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules):
        items = modules.items() if hasattr(modules, "items") else modules
        for key, module in items:
            self[key] = module

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def clear(self):
        for key in list(self._modules):
            del self[key]

    def forward(self, *args, **kwargs):
        raise MissingForwardError("ModuleDict has no forward: pick modules by name in your module's "
                                  "forward, e.g. `self.heads['cls'](x)`")
