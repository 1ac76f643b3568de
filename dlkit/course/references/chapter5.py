"""Chapter 5 — optimisation: references and checks.

Exercises (CS231n A2's ``optim.py`` shape: ``(w, dw, config) -> (next_w, config)``, the state kept in
``config`` between calls): ``sgd_momentum``, ``rmsprop``, ``adam``; the initialisations
``xavier_uniform`` and ``he_normal``; ``clip_grad_norm`` (by the total norm of all gradients); and
``cosine_with_warmup`` (a learning-rate schedule). The references are dlkit's own optimizers,
initialisers, ``clip_grad_norm_`` and schedulers — which the tests compare with PyTorch.
"""
import math

import numpy as np

from ... import nn, optim
from ...tensor import Tensor
from ..checker import call, register
from ..compare import Mismatch, as_array, as_number, assert_close


# ----------------------------------------------------------------------------------------------------
# Update rules: several steps on a fixed sequence of gradients, the state carried in config
# ----------------------------------------------------------------------------------------------------
def reference_path(make_optimizer, w, gradients):
    """The weights after each step of a dlkit optimizer fed ``gradients`` one by one."""
    p = Tensor(np.array(w, dtype=np.float64), requires_grad=True)
    optimizer = make_optimizer([p])
    path = []
    for dw in gradients:
        p.grad = np.array(dw, dtype=np.float64)
        optimizer.step()
        path.append(p.data.copy())
    return path


def _update_cases(rng):
    shape_a, shape_b = (3, 4), (5,)
    return [
        ("a (3, 4) weight, gradients of size ~1", rng.standard_normal(shape_a),
         [rng.standard_normal(shape_a) for _ in range(4)]),
        ("a (5,) weight, tiny gradients (~1e-5)", rng.standard_normal(shape_b),
         [1e-5 * rng.standard_normal(shape_b) for _ in range(4)]),
        ("a float32 (3, 4) weight", rng.standard_normal(shape_a).astype(np.float32),
         [rng.standard_normal(shape_a).astype(np.float32) for _ in range(3)]),
    ]


def _check_update_rule(answer, rule, settings, make_optimizer, hints):
    """Run ``answer`` for several steps with the state carried in config; compare every step."""
    rng = np.random.default_rng(50)
    for label, w0, gradients in _update_cases(rng):
        for setting in settings:
            config = dict(setting)
            expected = reference_path(lambda ps, s=setting: make_optimizer(ps, s), w0, gradients)
            w = w0.copy()
            shown = ", ".join(f"{k}={v}" for k, v in setting.items())
            for step, dw in enumerate(gradients, start=1):
                result = call(answer, w.copy(), dw.copy(), config)
                if not isinstance(result, tuple | list) or len(result) != 2:
                    raise Mismatch(f"{rule} should return (next_w, config), got {type(result).__name__}",
                                   "return next_w, config — the config dict carries the state to the next call")
                w, config = result
                if not isinstance(config, dict):
                    raise Mismatch(f"{rule} returned a {type(config).__name__} as config, expected the dict",
                                   "return the same config dict you received, with the state stored in it")
                w = as_array(w, f"next_w after step {step}")
                hint = hints["first"] if step == 1 else hints["later"]
                assert_close(w, expected[step - 1], f"next_w after step {step} ({label}; "
                             f"{shown})", hint, rtol=1e-6, atol=1e-9)
    return "3 weights × several settings, each over 3–4 steps: every step equals dlkit.optim's"


@register("ch5.sgd_momentum", hints=[
    ("the velocity is a running sum of gradients: it starts at zeros the shape of w and lives in "
    "config['velocity'] between calls"),
    "each step: velocity ← momentum·velocity + dw, then w moves by −lr·velocity (downhill)",
    ("store the new velocity back into config before you return it; otherwise every step starts "
    "from zero velocity and this is plain SGD"),
], forbid=("dlkit.optim.SGD",))
def check_sgd_momentum(answer):
    settings = [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.5}]
    return _check_update_rule(
        answer, "sgd_momentum", settings,
        lambda ps, s: optim.SGD(ps, lr=s["lr"], momentum=s["momentum"]),
        {"first": "on the first step the velocity is just dw, so w − lr·dw: check the sign of the step",
         "later": "step 1 is right, later ones are not: the velocity must be carried from call to call "
                  "(config['velocity']) and decay by momentum, with dw added"})


@register("ch5.rmsprop", hints=[
    "keep a running average of squared gradients in config['square_avg'], starting at zeros",
    "square_avg ← alpha·square_avg + (1 − alpha)·dw²; then divide the step by its square root",
    "eps goes outside the square root: w − lr·dw / (√square_avg + eps)",
], forbid=("dlkit.optim.RMSprop",))
def check_rmsprop(answer):
    settings = [{"lr": 0.01, "alpha": 0.99, "eps": 1e-8}, {"lr": 0.1, "alpha": 0.9, "eps": 0.1}]
    return _check_update_rule(
        answer, "rmsprop", settings,
        lambda ps, s: optim.RMSprop(ps, lr=s["lr"], alpha=s["alpha"], eps=s["eps"]),
        {"first": "after one step square_avg = (1 − alpha)·dw²; the step is lr·dw / (√square_avg + eps) "
                  "— the square root of the average, with eps added after it (this matters for tiny "
                  "gradients and for a large eps)",
         "later": "step 1 is right, later ones are not: carry square_avg from call to call in config and "
                  "decay it by alpha"})


@register("ch5.adam", hints=[
    "three things live in config between calls: m, v (zeros at first) and t, the number of steps taken",
    "increase t first, then m ← β₁m + (1 − β₁)dw and v ← β₂v + (1 − β₂)dw²",
    ("bias correction divides by 1 − βᵗ with the t of this step (1 on the first): m̂ = m/(1 − β₁ᵗ), "
    "v̂ = v/(1 − β₂ᵗ); the step is lr·m̂ / (√v̂ + eps)"),
], forbid=("dlkit.optim.Adam", "dlkit.optim.AdamW"))
def check_adam(answer):
    settings = [{"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
                {"lr": 0.1, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3}]
    return _check_update_rule(
        answer, "adam", settings,
        lambda ps, s: optim.Adam(ps, lr=s["lr"], betas=(s["beta1"], s["beta2"]), eps=s["eps"]),
        {"first": "on the first step bias-corrected Adam moves each weight by about lr (m̂ = dw and "
                  "v̂ = dw²): divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ with t = 1 on the first step",
         "later": "step 1 is right, later ones are not: carry m, v and t in config, increase t by one "
                  "per call and use that same t in both bias corrections"})


# ----------------------------------------------------------------------------------------------------
# Initialisation: shape (fan_out, fan_in) as nn.Linear's weight, judged by its statistics
# ----------------------------------------------------------------------------------------------------
def _init_weights(answer, name, fan_in, fan_out):
    w = as_array(call(answer, fan_in, fan_out), f"{name}({fan_in}, {fan_out})")
    if w.shape != (fan_out, fan_in):
        raise Mismatch(f"{name}({fan_in}, {fan_out}) has shape {w.shape}, expected ({fan_out}, {fan_in})",
                       "nn.Linear's layout: weight is (out_features, in_features) = (fan_out, fan_in)")
    if np.allclose(w, w.flat[0]):
        raise Mismatch(f"every entry of {name}({fan_in}, {fan_out}) is the same",
                       "draw every entry at random, independently")
    return w.astype(np.float64)


def _check_spread(w, what, expected_std, formula, hint):
    std, mean = float(w.std()), float(w.mean())
    if abs(mean) > 0.05 * expected_std:
        raise Mismatch(f"{what} has mean {mean:.3g}, expected 0", "centre the distribution on zero")
    if not 0.95 < std / expected_std < 1.05:
        raise Mismatch(f"{what} has standard deviation {std:.4g}, expected {formula} = {expected_std:.4g}",
                       hint)


@register("ch5.xavier_uniform", hints=[
    ("Xavier (Glorot) keeps the variance of the activations forward and of the gradients backward: "
    "Var(w) = 2 / (fan_in + fan_out)"),
    "a uniform distribution on [−a, a] has variance a²/3, so a = √(6 / (fan_in + fan_out))",
], forbid=("dlkit.nn.init.xavier_uniform_", "dlkit.nn.init.xavier_normal_", "dlkit.nn.init.uniform_"))
def check_xavier_uniform(answer):
    for fan_in, fan_out in [(400, 100), (60, 300)]:
        w = _init_weights(answer, "xavier_uniform", fan_in, fan_out)
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        what = f"xavier_uniform({fan_in}, {fan_out})"
        fans = "both fans: fan_in + fan_out, not only one of them"
        _check_spread(w, what, bound / math.sqrt(3), "√(2 / (fan_in + fan_out))", fans)
        if np.abs(w).max() > bound * (1 + 1e-9):
            raise Mismatch(f"{what} has an entry of size {np.abs(w).max():.4g}, beyond the bound "
                           f"√(6 / (fan_in + fan_out)) = {bound:.4g}",
                           "uniform on [−a, a] with a = √(6 / (fan_in + fan_out)), not a normal distribution")
    return "shapes, zero mean, the bound and the spread √(2 / (fan_in + fan_out)) are right"


@register("ch5.he_normal", hints=[
    "a ReLU zeroes half of its inputs, halving the variance: He doubles Var(w) to make up for it",
    "Var(w) = 2 / fan_in (the inputs each unit sums over), drawn from a normal distribution",
], forbid=("dlkit.nn.init.kaiming_normal_", "dlkit.nn.init.kaiming_uniform_", "dlkit.nn.init.normal_"))
def check_he_normal(answer):
    for fan_in, fan_out in [(400, 100), (60, 300)]:
        w = _init_weights(answer, "he_normal", fan_in, fan_out)
        what = f"he_normal({fan_in}, {fan_out})"
        _check_spread(w, what, math.sqrt(2.0 / fan_in), "√(2 / fan_in)",
                      "the fan is fan_in (each unit sums fan_in inputs), and the ReLU's factor 2 is inside "
                      "the square root: std = √(2 / fan_in)")
        if np.abs(w).max() < 3.0 * w.std():
            raise Mismatch(f"{what}: no entry is beyond 3 standard deviations among {w.size} — that is "
                           "not a normal distribution", "draw from a normal distribution (standard_normal "
                                                       "times the standard deviation)")
    return "shapes, zero mean, a normal spread of √(2 / fan_in) — and fan_in, not fan_out"


# ----------------------------------------------------------------------------------------------------
# Gradient clipping by the total norm
# ----------------------------------------------------------------------------------------------------
def _clip_cases(rng):
    shapes = [(4, 3), (3,), (2, 2)]
    return [("large gradients (total norm ≈ 12), max_norm 1", [3 * rng.standard_normal(s) for s in shapes], 1.0),
            ("one large and two small gradients, max_norm 2", [10 * rng.standard_normal((4, 3)),
                                                              0.01 * rng.standard_normal(3),
                                                              0.01 * rng.standard_normal((2, 2))], 2.0),
            ("small gradients (total norm < max_norm)", [0.1 * rng.standard_normal(s) for s in shapes], 5.0)]


@register("ch5.clip_grad_norm", hints=[
    ("one norm for all the gradients together: the square root of the sum of every squared entry of "
    "every parameter's .grad"),
    ("if that total norm exceeds max_norm, multiply every .grad by the same factor max_norm / total; "
    "otherwise leave them alone"),
    ("change each p.grad (in place or by assigning p.grad) and return the total norm measured before "
    "clipping, as a number"),
], forbid=("dlkit.nn.utils.clip_grad_norm_", "dlkit.nn.utils.clip_grad_value_"))
def check_clip_grad_norm(answer):
    rng = np.random.default_rng(53)
    for label, grads, max_norm in _clip_cases(rng):
        mine = [Tensor(rng.standard_normal(g.shape), requires_grad=True) for g in grads]
        ref = [Tensor(p.data.copy(), requires_grad=True) for p in mine]
        for p, q, g in zip(mine, ref, grads):
            p.grad, q.grad = g.copy(), g.copy()
        expected_norm = nn.utils.clip_grad_norm_(ref, max_norm).item()
        got = as_number(call(answer, mine, max_norm), f"the returned total norm ({label})",
                        "return the total norm as a Python number (float(...) or .item())")
        assert_close(got, expected_norm, f"the returned total norm ({label})",
                     "return the norm of all gradients together, measured before clipping", rtol=1e-6)
        for k, (p, q) in enumerate(zip(mine, ref)):
            assert_close(p.grad, q.grad, f"parameter {k}'s gradient after clipping ({label})",
                         "every gradient is scaled by the same factor max_norm / total_norm (clip by the "
                         "total norm, not each parameter by its own), and only when the total norm "
                         "exceeds max_norm", rtol=1e-5, atol=1e-9)  # PyTorch divides by total + 1e-6
    return "3 cases passed: the total norm and every clipped gradient equal clip_grad_norm_'s"


# ----------------------------------------------------------------------------------------------------
# A cosine schedule with a linear warm-up
# ----------------------------------------------------------------------------------------------------
def schedule_lrs(base_lr, warmup_steps, total_steps, min_lr):
    """The lr at steps 0 … total_steps − 1, from dlkit's LinearLR warm-up then CosineAnnealingLR."""
    p = Tensor(np.zeros(1), requires_grad=True)
    optimizer = optim.SGD([p], lr=base_lr)
    warmup = optim.LinearLR(optimizer, start_factor=1 / warmup_steps, end_factor=1.0,
                            total_iters=warmup_steps - 1)
    cosine = optim.CosineAnnealingLR(optimizer, T_max=total_steps - warmup_steps, eta_min=min_lr)
    schedule = optim.SequentialLR(optimizer, [warmup, cosine], milestones=[warmup_steps])
    lrs = []
    for _ in range(total_steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    return np.array(lrs)


@register("ch5.cosine_with_warmup", hints=[
    ("two pieces: a straight line up during the first warmup_steps steps, then half a cosine down "
    "from base_lr to min_lr"),
    ("warm-up: step 0 already trains, so it gets base_lr · (step + 1) / warmup_steps and step "
    "warmup_steps − 1 reaches base_lr"),
    ("after the warm-up count the steps from warmup_steps: progress = (step − warmup_steps) / "
    "(total_steps − warmup_steps), lr = min_lr + (base_lr − min_lr)·(1 + cos(π·progress)) / 2"),
], forbid=("dlkit.optim.CosineAnnealingLR", "dlkit.optim.LinearLR", "dlkit.optim.SequentialLR",
           "dlkit.optim.LambdaLR", "dlkit.optim.OneCycleLR"))
def check_cosine_with_warmup(answer):
    for base_lr, warmup, total, min_lr in [(0.1, 5, 30, 0.0), (1.0, 3, 12, 0.1), (0.01, 10, 100, 1e-4)]:
        expected = schedule_lrs(base_lr, warmup, total, min_lr)
        got = np.array([as_number(call(answer, step, base_lr, warmup, total, min_lr),
                                  f"cosine_with_warmup({step}, ...)") for step in range(total)])
        shown = f"base_lr={base_lr}, warmup_steps={warmup}, total_steps={total}, min_lr={min_lr}"
        warm_hint = ("during the warm-up the lr grows by base_lr / warmup_steps per step, from "
                     "base_lr / warmup_steps at step 0 to base_lr at step warmup_steps − 1")
        cosine_hint = ("the cosine starts at base_lr on step warmup_steps and falls towards min_lr: count "
                       "its progress from warmup_steps, over total_steps − warmup_steps steps")
        for step in range(total):
            part, hint = ("warm-up", warm_hint) if step < warmup else ("cosine", cosine_hint)
            assert_close(got[step], expected[step], f"your lr at step {step}, in the {part} part ({shown})",
                         hint, rtol=1e-6, atol=1e-12)
    return "3 schedules passed: warm-up and cosine equal LinearLR + CosineAnnealingLR in SequentialLR"
