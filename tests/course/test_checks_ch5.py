"""Chapter 5's checks: right answers (written here, independently of the references) pass, in float64
and float32; the mistakes learners really make fail with a message that points at them."""
import math

import numpy as np
import pytest
from expect import fails, passes

from dlkit import optim
from dlkit.course.references.chapter5 import schedule_lrs


# -- SGD with momentum ---------------------------------------------------------------------------------
def momentum(sign=1.0, carry=True, cs231n=False, dtype=None):
    def sgd_momentum(w, dw, config):
        if dtype is not None:
            w, dw = w.astype(dtype), dw.astype(dtype)
        v = config.get("velocity", np.zeros_like(w))
        if cs231n:  # v ← μv − lr·dw; w ← w + v: the same steps while lr is constant
            v = config["momentum"] * v - config["lr"] * dw
            next_w = w + v
        else:
            v = config["momentum"] * v + sign * dw
            next_w = w - config["lr"] * v
        if carry:
            config["velocity"] = v
        return next_w, config
    return sgd_momentum


def test_sgd_momentum_right_answers_pass_in_both_conventions_and_float32():
    passes("ch5.sgd_momentum", momentum())
    passes("ch5.sgd_momentum", momentum(cs231n=True))
    passes("ch5.sgd_momentum", momentum(dtype=np.float32))


def test_sgd_momentum_wrong_sign_or_velocity_not_carried_fails():
    fails("ch5.sgd_momentum", momentum(sign=-1.0), "after step 1", "sign")
    fails("ch5.sgd_momentum", momentum(carry=False), "after step 2", "carried")


def test_sgd_momentum_calling_dlkit_sgd_is_told_to_write_it_itself():
    def borrowed(w, dw, config):
        import dlkit
        p = dlkit.Tensor(w, requires_grad=True)
        opt = optim.SGD([p], lr=config["lr"], momentum=config["momentum"])
        p.grad = dw
        opt.step()
        return p.data, config
    fails("ch5.sgd_momentum", borrowed, "write it yourself")


def test_sgd_momentum_stub_fails():
    def stub(w, dw, config):
        raise NotImplementedError
    fails("ch5.sgd_momentum", stub, "not implemented")


# -- RMSProp ---------------------------------------------------------------------------------------------
def rmsprop(root=True, eps_inside=False, carry=True, dtype=None):
    def rule(w, dw, config):
        if dtype is not None:
            w, dw = w.astype(dtype), dw.astype(dtype)
        s = config.get("square_avg", np.zeros_like(w))
        s = config["alpha"] * s + (1 - config["alpha"]) * dw * dw
        if carry:
            config["square_avg"] = s
        if eps_inside:
            denominator = np.sqrt(s + config["eps"])
        else:
            denominator = (np.sqrt(s) if root else s) + config["eps"]
        return w - config["lr"] * dw / denominator, config
    return rule


def test_rmsprop_right_answers_pass():
    passes("ch5.rmsprop", rmsprop())
    passes("ch5.rmsprop", rmsprop(dtype=np.float32))


def test_rmsprop_mistakes_fail():
    fails("ch5.rmsprop", rmsprop(root=False), "after step 1", "square root")
    fails("ch5.rmsprop", rmsprop(eps_inside=True), "after step 1", "eps")
    fails("ch5.rmsprop", rmsprop(carry=False), "after step 2", "carry square_avg")


# -- Adam --------------------------------------------------------------------------------------------------
def adam(correct=True, t_offset=0, carry=True, dtype=None):
    def rule(w, dw, config):
        if dtype is not None:
            w, dw = w.astype(dtype), dw.astype(dtype)
        b1, b2 = config["beta1"], config["beta2"]
        m = config.get("m", np.zeros_like(w))
        v = config.get("v", np.zeros_like(w))
        t = config.get("t", 0) + 1
        m = b1 * m + (1 - b1) * dw
        v = b2 * v + (1 - b2) * dw ** 2
        if carry:
            config.update(m=m, v=v, t=t)
        if correct:
            m_hat, v_hat = m / (1 - b1 ** (t + t_offset)), v / (1 - b2 ** (t + t_offset))
        else:
            m_hat, v_hat = m, v
        return w - config["lr"] * m_hat / (np.sqrt(v_hat) + config["eps"]), config
    return rule


def test_adam_right_answers_pass():
    passes("ch5.adam", adam())
    passes("ch5.adam", adam(dtype=np.float32))


def test_adam_mistakes_fail():
    fails("ch5.adam", adam(correct=False), "after step 1", "bias")
    fails("ch5.adam", adam(t_offset=1), "after step 1")       # t + 1: one step ahead
    fails("ch5.adam", adam(t_offset=-1), "after step 1")      # t before the increment: 1 − β⁰ = 0
    fails("ch5.adam", adam(carry=False), "after step 2", "carry m, v and t")


def test_adam_reference_equals_torch():
    torch = pytest.importorskip("torch")
    from dlkit.course.references.chapter5 import reference_path
    rng = np.random.default_rng(0)
    w0, grads = rng.standard_normal(4), [rng.standard_normal(4) for _ in range(5)]
    ours = reference_path(lambda ps: optim.Adam(ps, lr=0.1, betas=(0.5, 0.9), eps=1e-3), w0, grads)
    p = torch.tensor(w0, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.1, betas=(0.5, 0.9), eps=1e-3)
    for g, expected in zip(grads, ours):
        p.grad = torch.tensor(g)
        opt.step()
        np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-12)


# -- initialisation ------------------------------------------------------------------------------------
def xavier(fans="both", normal=False):
    def init(fan_in, fan_out):
        total = {"both": fan_in + fan_out, "in": 2 * fan_in, "out": 2 * fan_out}[fans]
        if normal:
            return np.random.standard_normal((fan_out, fan_in)) * math.sqrt(2 / total)
        bound = math.sqrt(6 / total)
        return np.random.uniform(-bound, bound, (fan_out, fan_in))
    return init


def test_xavier_right_answer_passes_and_wrong_fans_or_normal_fail():
    passes("ch5.xavier_uniform", xavier())
    passes("ch5.xavier_uniform", lambda i, o: xavier()(i, o).astype(np.float32))
    fails("ch5.xavier_uniform", xavier("in"), "standard deviation", "fan_in + fan_out")
    fails("ch5.xavier_uniform", xavier("out"), "standard deviation")
    fails("ch5.xavier_uniform", xavier(normal=True), "beyond the bound")
    fails("ch5.xavier_uniform", lambda i, o: xavier()(o, i), "shape")


def he(fan="in", factor=2.0, uniform=False):
    def init(fan_in, fan_out):
        std = math.sqrt(factor / {"in": fan_in, "out": fan_out}[fan])
        if uniform:
            return np.random.uniform(-std * math.sqrt(3), std * math.sqrt(3), (fan_out, fan_in))
        return np.random.standard_normal((fan_out, fan_in)) * std
    return init


def test_he_right_answer_passes_and_mistakes_fail():
    passes("ch5.he_normal", he())
    fails("ch5.he_normal", he(fan="out"), "standard deviation", "fan_in")
    fails("ch5.he_normal", he(factor=1.0), "standard deviation")
    fails("ch5.he_normal", he(uniform=True), "not a normal distribution")


# -- gradient clipping -------------------------------------------------------------------------------
def clipper(per_parameter=False, always=False, return_after=False, eps=1e-6):
    def clip_grad_norm(parameters, max_norm):
        parameters = list(parameters)
        total = float(np.sqrt(sum((p.grad ** 2).sum() for p in parameters)))
        if per_parameter:
            for p in parameters:
                norm = np.sqrt((p.grad ** 2).sum())
                if norm > max_norm:
                    p.grad = p.grad * max_norm / norm
            return total
        if always or total > max_norm:
            for p in parameters:
                p.grad *= max_norm / (total + eps)
        if return_after:
            return float(np.sqrt(sum((p.grad ** 2).sum() for p in parameters)))
        return total
    return clip_grad_norm


def test_clip_grad_norm_right_answers_pass_with_or_without_pytorchs_epsilon():
    passes("ch5.clip_grad_norm", clipper())
    passes("ch5.clip_grad_norm", clipper(eps=0.0))


def test_clip_grad_norm_mistakes_fail():
    fails("ch5.clip_grad_norm", clipper(per_parameter=True), "gradient after clipping", "total norm")
    fails("ch5.clip_grad_norm", clipper(always=True), "small gradients", "only when")
    fails("ch5.clip_grad_norm", clipper(return_after=True), "returned total norm", "before clipping")


# -- cosine schedule with warm-up ----------------------------------------------------------------------
def cosine(warmup_start=1, cosine_offset=0, warm=True, use_min=True):
    def schedule(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
        low = min_lr if use_min else 0.0
        if warm and step < warmup_steps:
            return base_lr * (step + warmup_start) / warmup_steps
        start = warmup_steps if warm else 0
        progress = (step - start + cosine_offset) / (total_steps - start)
        return low + (base_lr - low) * (1 + math.cos(math.pi * progress)) / 2
    return schedule


def test_cosine_with_warmup_right_answer_passes():
    passes("ch5.cosine_with_warmup", cosine())
    passes("ch5.cosine_with_warmup", lambda *a: np.float32(cosine()(*a)))


def test_cosine_with_warmup_mistakes_fail():
    fails("ch5.cosine_with_warmup", cosine(warmup_start=0), "step 0, in the warm-up part")
    fails("ch5.cosine_with_warmup", cosine(cosine_offset=1), "step 5, in the cosine part")
    fails("ch5.cosine_with_warmup", cosine(warm=False), "step 0, in the warm-up part")
    fails("ch5.cosine_with_warmup", cosine(use_min=False), "in the cosine part")


@pytest.mark.parametrize("base_lr, warmup, total, min_lr", [(0.1, 5, 30, 0.0), (1.0, 3, 12, 0.1)])
def test_schedule_reference_equals_torchs_sequential_lr(base_lr, warmup, total, min_lr):
    torch = pytest.importorskip("torch")
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    s = torch.optim.lr_scheduler
    schedule = s.SequentialLR(opt, [s.LinearLR(opt, 1 / warmup, 1.0, warmup - 1),
                                    s.CosineAnnealingLR(opt, total - warmup, min_lr)], [warmup])
    expected = []
    for _ in range(total):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    np.testing.assert_allclose(schedule_lrs(base_lr, warmup, total, min_lr), expected, rtol=1e-12)
    np.testing.assert_allclose([cosine()(k, base_lr, warmup, total, min_lr) for k in range(total)],
                               expected, rtol=1e-12, atol=1e-15)


# -- joins CASES in test_checks.py (stub / right / wrong for every registered check) -------------------
CH5_CASES = {
    "ch5.sgd_momentum": (momentum(), [(momentum(sign=-1.0), "after step 1"),
                                      (momentum(carry=False), "after step 2")]),
    "ch5.rmsprop": (rmsprop(), [(rmsprop(root=False), "after step 1"), (rmsprop(eps_inside=True), "eps")]),
    "ch5.adam": (adam(), [(adam(correct=False), "bias"), (adam(t_offset=1), "after step 1")]),
    "ch5.xavier_uniform": (xavier(), [(xavier("in"), "fan_in + fan_out")]),
    "ch5.he_normal": (he(), [(he(fan="out"), "fan_in")]),
    "ch5.clip_grad_norm": (clipper(), [(clipper(per_parameter=True), "total norm")]),
    "ch5.cosine_with_warmup": (cosine(), [(cosine(warm=False), "warm-up")]),
}


def test_chapter_5_has_at_least_five_checks_and_all_are_covered_here():
    from dlkit.course import available_checks
    names = [n for n in available_checks() if n.startswith("ch5.")]
    assert len(names) >= 5 and sorted(names) == sorted(CH5_CASES)
