"""The ``Optimizer`` base class: parameter groups, ``zero_grad()`` and the checks every optimizer shares.

An optimizer owns a list of *parameter groups*: dicts holding ``"params"`` (a list of tensors) and the
hyper-parameters for them (``"lr"``, ``"momentum"``, ...). A learning-rate schedule changes
``group["lr"]`` between epochs. Subclasses write only ``step()``: the update rule of their paper.
"""
import numpy as np

from ..errors import DataTypeError, DlkitError
from ..tensor import Tensor


class OptimizerError(DlkitError, ValueError):
    """An optimizer built with values it cannot use: no parameters, a negative learning rate..."""


class Optimizer:
    """Base class: keeps ``param_groups`` and per-parameter ``state``; subclasses define ``step()``.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        ``model.parameters()``, or groups like ``[{"params": [...], "lr": 0.1}, ...]`` whose missing
        hyper-parameters take the values in ``defaults``.
    defaults : dict
        The optimizer's hyper-parameters.
    """

    def __init__(self, params, defaults):
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise DataTypeError(
                f"{name}: params should be an iterable of Tensors (e.g. model.parameters() or "
                f"[w, b]), got a single Tensor of shape {params.shape}; wrap it in a list: [w]")
        try:
            params = list(params)
        except TypeError:
            raise DataTypeError(f"{name}: params should be an iterable of Tensors or of dicts, "
                                f"got {type(params).__name__}") from None
        if not params:
            raise OptimizerError(
                f"{name}: got an empty list of parameters, so there is nothing to optimize; "
                "did the model create its layers in __init__ (and is model.parameters() non-empty)?")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = {}  # id(param) -> dict of running values (momentum buffer, moments, step count)
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyper-parameters (missing ones come from ``defaults``).

        Useful to unfreeze layers while training, or to give a new head its own learning rate::

            optimizer.add_param_group({"params": model.head.parameters(), "lr": 1e-3})

        A parameter may belong to only one group.
        """
        name = type(self).__name__
        group = param_group
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if not isinstance(group, dict):
            raise DataTypeError(f"{name}: a list of parameter groups must hold only dicts, "
                                f"got {type(group).__name__}")
        params = group.get("params")
        if isinstance(params, set):
            raise DataTypeError(f"{name}: a group's 'params' is a set, whose order changes from run to run; "
                                "pass a list")
        params = [params] if isinstance(params, Tensor) else list(params or [])
        if not params:
            raise OptimizerError(f"{name}: a parameter group has an empty 'params' list")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise DataTypeError(f"{name}: parameter {i} is a {type(p).__name__}, expected a "
                                    "dlkit Tensor (e.g. from model.parameters())")
            if not p.requires_grad:
                raise OptimizerError(
                    f"{name}: parameter {i} (shape {p.shape}{', name ' + repr(p.name) if p.name else ''}) "
                    "does not require grad, so it would never get a gradient to follow; "
                    "create it with requires_grad=True")
            if not p.is_leaf:
                raise OptimizerError(
                    f"{name}: parameter {i} (shape {p.shape}) was made by the op {p.op!r}; only leaf "
                    "tensors (created by you, not computed) can be optimized")
            if id(p) in seen:
                raise OptimizerError(f"{name}: parameter {i} (shape {p.shape}) appears twice (in this group "
                                     "or in another); a parameter may belong to only one group")
            seen.add(id(p))
        full = {**self.defaults, **group, "params": params}
        self._check_hyperparameters(full)
        self.param_groups.append(full)

    def _check_hyperparameters(self, group):
        """Each subclass's ``_checks`` lists (key, test, what is expected)."""
        name = type(self).__name__
        for key, ok, expected in self._checks(group):
            if not ok:
                raise OptimizerError(f"{name}: invalid {key}={group[key]!r}; expected {expected}")

    def _checks(self, group):
        return [("lr", _number(group["lr"]) and group["lr"] >= 0, "a learning rate >= 0"),
                ("maximize", isinstance(group.get("maximize", False), bool), "True or False")]

    # -- the training-loop interface ------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient before the next backward pass.

        ``set_to_none=True`` (PyTorch's default) sets ``.grad`` to None; ``False`` gives each parameter
        that had a gradient a fresh array of zeros (a new array, never zeroed in place: the engine may
        share one gradient array between tensors).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = np.zeros_like(p.data)

    def step(self):
        raise NotImplementedError(f"{type(self).__name__} must define step()")

    def _params_with_grad(self, group):
        """The group's parameters that received a gradient; the others are left untouched."""
        return [p for p in group["params"] if p.grad is not None]

    @staticmethod
    def _gradient(p, group):
        """``p``'s gradient as a numpy array; negated with ``maximize=True`` (climb instead of descend)."""
        grad = np.asarray(p.grad)
        return -grad if group.get("maximize") else grad

    def _state(self, p):
        return self.state.setdefault(id(p), {})

    # -- saving and restoring -----------------------------------------------------------------------
    def state_dict(self):
        """Hyper-parameters and running state, with parameters named by position (like PyTorch)."""
        index, groups = 0, []
        ids = {}
        for group in self.param_groups:
            positions = list(range(index, index + len(group["params"])))
            for i, p in zip(positions, group["params"]):
                ids[id(p)] = i
            index += len(positions)
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": positions})
        state = {ids[key]: {k: (np.copy(v) if isinstance(v, np.ndarray) else v)
                            for k, v in value.items()}
                 for key, value in self.state.items() if key in ids}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore what :meth:`state_dict` returned (same parameters, in the same order)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(g["params"]) != len(mine["params"]) for g, mine in zip(groups, self.param_groups)):
            raise OptimizerError(f"{type(self).__name__}.load_state_dict: the saved groups do not "
                                 "have the same number of parameters as this optimizer's")
        params = [p for group in self.param_groups for p in group["params"]]
        for saved, mine in zip(groups, self.param_groups):
            mine.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {id(params[i]): {k: (np.copy(v) if isinstance(v, np.ndarray) else v)
                                      for k, v in value.items()}
                      for i, value in state_dict["state"].items()}

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            settings = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {settings}")
        return "\n".join(lines) + "\n)"


def _number(x):
    return isinstance(x, int | float | np.floating | np.integer) and not isinstance(x, bool) and np.isfinite(x)


def _betas_ok(betas):
    return (isinstance(betas, tuple | list) and len(betas) == 2
            and all(_number(b) and 0.0 <= b < 1.0 for b in betas))


def _adam_family_checks(group):
    """The argument checks Adam, AdamW, NAdam and RAdam share: betas, eps and weight_decay."""
    return [
        ("betas", _betas_ok(group["betas"]), "two numbers (β₁, β₂), each in [0, 1)"),
        ("eps", _number(group["eps"]) and group["eps"] >= 0, "a value >= 0"),
        ("weight_decay", _number(group["weight_decay"]) and group["weight_decay"] >= 0, "a value >= 0"),
    ]


def _apply_weight_decay(p, g, group):
    """Weight decay the Adam way: decoupled (AdamW) shrinks ``w`` directly, classic L2 joins ``g``.

    Returns the gradient to use from here on.
    """
    weight_decay = group["weight_decay"]
    if weight_decay and group["decoupled_weight_decay"]:
        p.data *= 1 - group["lr"] * weight_decay                 # AdamW: shrink w directly
    elif weight_decay:
        g = g + weight_decay * p.data                             # Adam: decay joins the gradient
    return g
