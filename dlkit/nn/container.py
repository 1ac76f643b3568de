"""``Sequential``: a chain of modules, each one's output the next one's input."""
from .module import Module


class Sequential(Module):
    """Apply the given modules in order. They are named "0", "1", … as in PyTorch, so
    ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))`` has parameters ``0.weight, 0.bias, 2.weight,
    2.bias``.

    >>> model = dlkit.nn.Sequential(dlkit.nn.Linear(2, 8), dlkit.nn.ReLU(), dlkit.nn.Linear(8, 1))
    >>> model(dlkit.randn(5, 2)).shape
    (5, 1)
    >>> model[0]
    Linear(in_features=2, out_features=8, bias=True)
    """

    def __init__(self, *modules):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: expected a dlkit.nn.Module, got {type(module).__name__}"
                            + (" (did you forget the parentheses, e.g. ReLU()?)"
                               if isinstance(module, type) else ""))
        setattr(self, str(len(self._modules)), module)
        return self

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        return modules[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())
