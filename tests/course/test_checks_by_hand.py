"""Exercises that ask for a gradient by hand refuse answers that let dlkit compute it: its backward(),
backward_steps() or numerical_gradient. Each answer below gets every number right, through autograd."""
import numpy as np
import pytest

import dlkit
from dlkit.course import checker, run_check


def grads(*arrays):
    return [dlkit.Tensor(np.asarray(a, dtype=float), requires_grad=True) for a in arrays]


def matmul_by_autograd(A, B, G):
    a, b = grads(A, B)
    (a @ b).backward(G)
    return a.grad, b.grad


def matmul_by_jacobians(A, B, G):
    from dlkit.gradcheck import analytic_jacobians
    ja, jb = analytic_jacobians(lambda a, b: a @ b, grads(A, B))
    return (G.ravel() @ ja).reshape(A.shape), (G.ravel() @ jb).reshape(B.shape)


def max_by_stepping(x, upstream, axis):
    (t,) = grads(x)
    for _ in t.amax(dim=axis).backward_steps(upstream):
        pass
    return t.grad


def cross_entropy_by_differences(logits, targets):
    def loss(z):
        shifted = z - z.max(axis=-1, keepdims=True)
        log_probs = shifted - (shifted.exp().sum(axis=-1, keepdims=True)).log()
        return -log_probs[np.arange(len(targets)), targets].mean()
    z = dlkit.Tensor(np.asarray(logits, dtype=float))
    return dlkit.numerical_gradient(loss, [z], 0).reshape(z.shape).astype(logits.dtype)


def two_layer_by_autograd(X, y, W1, b1, W2, b2):
    w1, c1, w2, c2 = grads(W1, b1, W2, b2)
    hidden = (dlkit.Tensor(X) @ w1.T + c1).relu()
    logits = hidden @ w2.T + c2
    shifted = logits - logits.max(axis=1, keepdims=True).detach()
    log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
    (-log_probs[np.arange(len(y)), y].mean()).backward()
    return w1.grad, c1.grad, w2.grad, c2.grad


def conv_by_autograd(dout, x, w, b, stride, padding):
    p = padding
    xp, wt, bt = grads(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))), w, b)
    h, width = xp.shape[2:]
    kh, kw = w.shape[2:]
    rows = []
    for i in range(0, h - kh + 1, stride):
        cols = [(xp[:, None, :, i:i + kh, j:j + kw] * wt[None]).sum(axis=(2, 3, 4)) + bt
                for j in range(0, width - kw + 1, stride)]
        rows.append(dlkit.stack(cols, axis=-1))
    dlkit.stack(rows, axis=-2).backward(dout)
    return xp.grad[:, :, p:h - p, p:width - p], wt.grad, bt.grad


def max_pool_by_autograd(dout, x, kernel_size, stride):
    (xt,) = grads(x)
    h, w = x.shape[2:]
    rows = []
    for i in range(0, h - kernel_size + 1, stride):
        cols = [xt[:, :, i:i + kernel_size, j:j + kernel_size].reshape(*x.shape[:2], -1).max(dim=-1)[0]
                for j in range(0, w - kernel_size + 1, stride)]   # max(dim) routes ties to the first
        rows.append(dlkit.stack(cols, axis=-1))
    dlkit.stack(rows, axis=-2).backward(dout)
    return xt.grad


def bptt_by_autograd(x1, x2, h0, W_ih, W_hh, b, G1, G2):
    w_ih, w_hh, bias, start = grads(W_ih, W_hh, b, h0)
    h1 = (dlkit.Tensor(x1) @ w_ih.T + start @ w_hh.T + bias).tanh()
    h2 = (dlkit.Tensor(x2) @ w_ih.T + h1 @ w_hh.T + bias).tanh()
    ((h1 * dlkit.Tensor(G1)).sum() + (h2 * dlkit.Tensor(G2)).sum()).backward()
    return w_ih.grad, w_hh.grad, bias.grad, start.grad


@pytest.mark.parametrize("name, answer, used", [
    ("ch2.matmul_backward", matmul_by_autograd, "Tensor.backward"),
    ("ch2.matmul_backward", matmul_by_jacobians, "analytic_jacobians"),
    ("ch2.max_backward", max_by_stepping, "Tensor.backward_steps"),
    ("ch3.cross_entropy_grad", cross_entropy_by_differences, "numerical_gradient"),
    ("ch4.two_layer_backward", two_layer_by_autograd, "Tensor.backward"),
    ("ch7.conv_backward_naive", conv_by_autograd, "Tensor.backward"),
    ("ch7.max_pool_backward", max_pool_by_autograd, "Tensor.backward"),
    ("ch9.bptt_two_steps", bptt_by_autograd, "Tensor.backward"),
])
def test_a_gradient_by_hand_exercise_refuses_autograd(name, answer, used, monkeypatch):
    result = run_check(name, answer)
    assert not result.passed, f"{name} accepted an answer that used {used}"
    assert "write it yourself" in str(result) and used in str(result), str(result)
    # The numbers themselves are right: only the ban on autograd turns the answer down.
    spec = checker._CHECKS[name]
    monkeypatch.setattr(spec, "forbid", tuple(p for p in spec.forbid if p not in checker.AUTOGRAD))
    assert run_check(name, answer).passed, str(run_check(name, answer))


# PyTorch next to dlkit is the same shortcut: its autograd and layers are refused too.
torch = pytest.importorskip("torch")


def conv_by_torch_autograd(dout, x, w, b, stride, padding):
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=padding).backward(torch.tensor(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def matmul_by_torch_grad(A, B, G):
    a, b = torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)
    return tuple(g.numpy() for g in torch.autograd.grad(a @ b, (a, b), torch.tensor(G)))


def pool_by_torch(x, kernel_size, stride):
    return torch.nn.functional.max_pool2d(torch.tensor(x), kernel_size, stride).numpy()


@pytest.mark.parametrize("name, answer, used", [
    ("ch7.conv_backward_naive", conv_by_torch_autograd, "torch.nn.functional.conv2d"),
    ("ch2.matmul_backward", matmul_by_torch_grad, "torch.autograd.grad"),
    ("ch7.max_pool_forward", pool_by_torch, "torch.nn.functional.max_pool2d"),
])
def test_pytorch_is_refused_where_dlkit_is(name, answer, used, monkeypatch):
    result = run_check(name, answer)
    assert not result.passed and "write it yourself" in str(result) and used in str(result), str(result)
    spec = checker._CHECKS[name]
    monkeypatch.setattr(spec, "forbid", tuple(p for p in spec.forbid if not p.startswith("torch.")))
    assert run_check(name, answer).passed     # right numbers: only the ban turns it down
    assert torch.nn.functional.conv2d is torch.conv2d and not hasattr(torch.Tensor.backward, "__wrapped__")


def test_checks_never_import_pytorch_themselves():
    import subprocess
    import sys
    script = ("import sys, numpy as np\n"
              "from dlkit.course import run_check\n"
              "def dot(A, B, G): return G @ B.T, A.T @ G\n"
              "assert run_check('ch2.matmul_backward', dot).passed\n"
              "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"
