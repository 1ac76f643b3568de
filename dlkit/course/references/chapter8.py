"""Chapter 8 — autoencoders: references and checks.

Exercises: an ``AutoEncoder`` module (encoder and decoder as two ``nn.Sequential``), the
``reconstruction_loss`` (squared error summed over each sample's features, averaged over the batch),
``reparameterize(mu, logvar, eps)`` (z = μ + exp(½·logvar)·ε with the noise passed in), the Gaussian
``gaussian_kl(mu, logvar)`` (KL(N(μ, σ²) ‖ N(0, 1)) summed over the code, averaged over the batch), the
denoising ``corrupt(x, rng, drop_prob, noise_std)`` and one ``denoising_step`` of training.
"""
import numpy as np

from ... import nn
from ...optim import Adam
from ...tensor import Tensor, no_grad
from ..checker import call, check_tensor_function, register, twin_models
from ..compare import Mismatch, as_array, as_number, assert_close, assert_tensor


# -- the references: what each exercise's text specifies --------------------------------------------
def reconstruction_loss(x_hat, x):
    """Σ over every non-batch axis of (x̂ − x)², then the mean over the batch."""
    diff = (x_hat - x) ** 2
    per_sample = diff.reshape(diff.shape[0], -1).sum(axis=1)
    return per_sample.mean()


def reparameterize(mu, logvar, eps):
    return mu + (logvar * 0.5).exp() * eps


def gaussian_kl(mu, logvar):
    per_sample = ((mu ** 2 + logvar.exp() - logvar - 1) * 0.5).sum(axis=1)
    return per_sample.mean()


def corrupt(x, rng, drop_prob=0.3, noise_std=0.1):
    keep = rng.random(x.shape) >= drop_prob
    noise = rng.normal(0.0, noise_std, x.shape)
    return np.clip(x * keep + noise, 0.0, 1.0)


def denoising_step(model, optimizer, x, rng, drop_prob=0.3, noise_std=0.1):
    noisy = corrupt(x, rng, drop_prob, noise_std)
    optimizer.zero_grad()
    loss = reconstruction_loss(model(Tensor(noisy)), Tensor(x))
    loss.backward()
    optimizer.step()
    return loss.item()


# -- 1. the AutoEncoder module ----------------------------------------------------------------------
def _expected_names(n_inputs, n_hidden, n_code):
    layers = {"encoder.0": (n_hidden, n_inputs), "encoder.2": (n_code, n_hidden),
              "decoder.0": (n_hidden, n_code), "decoder.2": (n_inputs, n_hidden)}
    shapes = {}
    for prefix, (out_f, in_f) in layers.items():
        shapes[f"{prefix}.weight"] = (out_f, in_f)
        shapes[f"{prefix}.bias"] = (out_f,)
    return shapes


def _forward_by_hand(params, x):
    """The spec in numpy: Linear, ReLU, Linear (the code); Linear, ReLU, Linear (the reconstruction)."""
    def linear(h, prefix):
        return h @ params[f"{prefix}.weight"].T + params[f"{prefix}.bias"]
    code = linear(np.maximum(linear(x, "encoder.0"), 0), "encoder.2")
    return code, linear(np.maximum(linear(code, "decoder.0"), 0), "decoder.2")


@register("ch8.AutoEncoder", hints=[
    ("two attributes, encoder and decoder, each an nn.Sequential of Linear, ReLU, Linear; the encoder "
     "narrows n_inputs → n_hidden → n_code, the decoder mirrors it back"),
    ("the code layer and the output layer have no activation: the code may be any real number, and the "
     "reconstruction is compared with the pixels by squared error"),
    "forward(x) returns the decoder applied to the encoder's output; keep encoder(x) usable on its own",
], forbid_subclass_of=("dlkit.nn.Sequential",))
def check_autoencoder(answer):
    rng = np.random.default_rng(80)
    for sizes in [(64, 32, 8), (10, 6, 2)]:
        n_inputs, n_hidden, n_code = sizes
        model = call(answer, *sizes)
        what = f"AutoEncoder{sizes}"
        if not isinstance(model, nn.Module):
            raise Mismatch(f"{what} is a {type(model).__name__}, expected a dlkit.nn.Module",
                           "subclass nn.Module and call super().__init__() first")
        for part in ("encoder", "decoder"):
            if not isinstance(getattr(model, part, None), nn.Module):
                raise Mismatch(f"{what} has no module attribute {part!r}",
                               "assign self.encoder and self.decoder in __init__ (each an nn.Sequential)")
        params = {name: p.data for name, p in model.named_parameters()}
        expected = _expected_names(*sizes)
        if set(params) != set(expected):
            raise Mismatch(f"{what} has parameters {sorted(params)}, expected {sorted(expected)}",
                           "the encoder is a Sequential of Linear, ReLU and Linear, the decoder too: the "
                           "ReLU at index 1 has no parameters, so the Linear layers are 0 and 2")
        for name, shape in expected.items():
            if params[name].shape != shape:
                raise Mismatch(f"{what}: {name} has shape {params[name].shape}, expected {shape}",
                               "the encoder goes n_inputs → n_hidden → n_code and the decoder "
                               "n_code → n_hidden → n_inputs; a Linear(a, b) weight is (b, a)")
        count = sum(p.size for p in params.values())
        expected_count = 2 * (n_inputs * n_hidden + n_hidden * n_code) + 2 * n_hidden + n_code + n_inputs
        if count != expected_count:  # pragma: no cover - implied by the shapes, kept as the stated number
            raise Mismatch(f"{what} has {count} parameters, expected {expected_count}")
        x = rng.random((5, n_inputs))
        with no_grad():
            got_code = model.encoder(Tensor(x))
            got = model(Tensor(x))
        assert_tensor(got, f"{what}(x)")
        code, out = _forward_by_hand(params, x)
        assert_close(got_code, code, f"{what}.encoder(x) for x of shape {x.shape}",
                     "Linear, ReLU, Linear — and no activation after the code layer", check_dtype=False)
        assert_close(got, out, f"{what}(x) for x of shape {x.shape}",
                     "decoder(encoder(x)); the decoder is Linear, ReLU, Linear with no activation at the "
                     "end", check_dtype=False)
    _check_it_learns(answer)
    return "2 sizes passed (parameter names, shapes and count, encoder and forward values), and it learns"


def _check_it_learns(answer):
    """A short training sanity check: 150 Adam steps on 40 structured vectors must cut the error."""
    rng = np.random.default_rng(81)
    basis = rng.random((3, 10))
    X = Tensor(rng.random((40, 3)) @ basis / 3)  # 10-D data on a 3-D subspace: a code of 3 suffices
    model = answer(10, 16, 3)
    optimizer = Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(150):
        optimizer.zero_grad()
        loss = ((model(X) - X) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    if not losses[-1] < 0.2 * losses[0]:
        raise Mismatch(f"AutoEncoder(10, 16, 3) trained with Adam for 150 steps went from a loss of "
                       f"{losses[0]:.4g} to {losses[-1]:.4g}, expected it to fall below a fifth",
                       "every layer must be a registered submodule (assigned to self.something), so that "
                       "parameters() hands all of them to the optimizer")


# -- 2. the reconstruction loss ---------------------------------------------------------------------
@register("ch8.reconstruction_loss", hints=[
    "the error of one sample is the sum of its squared pixel errors; the loss is the mean of those",
    ("flatten every axis except the first (the batch), sum along it, then average over the batch: "
     "a (N, 1, 8, 8) batch has 64 errors per sample"),
], forbid=("dlkit.functional.mse_loss", "dlkit.nn.MSELoss"))
def check_reconstruction_loss(answer):
    rng = np.random.default_rng(82)
    cases = [("a batch of 6 flat vectors of 5 features", (rng.random((6, 5)), rng.random((6, 5)))),
             ("a batch of 3 images of shape (1, 4, 4)", (rng.random((3, 1, 4, 4)), rng.random((3, 1, 4, 4)))),
             ("one sample of 7 features", (rng.random((1, 7)), rng.random((1, 7))))]
    return check_tensor_function(answer, reconstruction_loss, cases, ("x_hat", "x"), hints={
        "values": ("sum the squared errors over each sample's features (every axis but the first), then "
                   "take the mean over the samples — neither the mean over everything (nn.MSELoss) nor "
                   "the sum over everything")})


# -- 3. the reparameterisation ----------------------------------------------------------------------
@register("ch8.reparameterize", hints=[
    "logvar is log σ², so σ = exp(½·logvar); z = μ + σ·ε, element by element",
    ("use the eps you are given: noise drawn inside the function makes the result and the gradient "
     "random, and the check cannot compare them"),
])
def check_reparameterize(answer):
    rng = np.random.default_rng(83)
    mu, logvar, eps = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    first = call(answer, Tensor(mu), Tensor(logvar), Tensor(eps))
    second = call(answer, Tensor(mu), Tensor(logvar), Tensor(eps))
    assert_tensor(first, "reparameterize(mu, logvar, eps)")
    expected = mu + np.exp(0.5 * logvar) * eps
    if not np.allclose(as_array(first, "z"), as_array(second, "z")):
        raise Mismatch("reparameterize gave two different results for the same mu, logvar and eps",
                       "do not draw noise inside: the randomness is the eps argument, so that the "
                       "result is a deterministic, differentiable function of μ and log σ²")
    got = as_array(first, "z")
    for wrong, why in [(mu + logvar * eps, "logvar is log σ², not σ: σ = exp(½·logvar)"),
                       (mu + np.exp(logvar) * eps, ("exp(logvar) is the variance σ²; scale ε by the "
                                                   "standard deviation σ = exp(½·logvar)")),
                       (mu + np.sqrt(np.abs(logvar)) * eps, "logvar is log σ², not σ²: σ = exp(½·logvar)")]:
        if got.shape == expected.shape and np.allclose(got, wrong) and not np.allclose(got, expected):
            raise Mismatch("reparameterize(mu, logvar, eps) has the wrong values (case: 4 × 3 inputs)", why)
    cases = [("4 × 3 inputs", (mu, logvar, eps)),
             ("large negative logvar (σ tiny)", (rng.standard_normal((2, 5)), rng.uniform(-12, -8, (2, 5)),
                                                 rng.standard_normal((2, 5))))]
    summary = check_tensor_function(answer, reparameterize, cases, ("mu", "logvar", "eps"),
                                    differentiable=(True, True, False), hints={
                                        "values": "σ = exp(½·logvar), then z = μ + σ·ε",
                                        "grad": ("dz/dμ = 1 and dz/dlogvar = ½·σ·ε: build z from Tensor "
                                                 "operations so both gradients flow")})
    return summary + "; the same eps gives the same z"


# -- 4. the Gaussian KL -----------------------------------------------------------------------------
@register("ch8.gaussian_kl", hints=[
    "per code dimension: ½(μ² + σ² − log σ² − 1), with σ² = exp(logvar) and log σ² = logvar",
    "sum over the code dimensions (axis 1) for each sample, then the mean over the batch",
], forbid=("dlkit.functional.kl_div", "dlkit.nn.KLDivLoss"))
def check_gaussian_kl(answer):
    rng = np.random.default_rng(84)
    mu, logvar = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    got = call(answer, Tensor(mu), Tensor(logvar))
    assert_tensor(got, "gaussian_kl(mu, logvar)")
    if got.shape != ():
        raise Mismatch(f"gaussian_kl on a batch of 5 codes of size 3 has shape {got.shape}, expected a "
                       "scalar", "sum over the code dimensions, then take the mean over the batch")
    value = float(got.data)
    terms = mu ** 2 + np.exp(logvar) - logvar - 1
    expected = 0.5 * terms.sum(axis=1).mean()
    for wrong, why in [(terms.sum(axis=1).mean(), "the ½ in front: KL = ½(μ² + σ² − log σ² − 1)"),
                       (-expected, "the sign: the KL divergence is never negative"),
                       (0.5 * (mu ** 2 + np.exp(0.5 * logvar) - logvar - 1).sum(axis=1).mean(),
                        "σ² = exp(logvar), the variance; exp(½·logvar) is σ"),
                       (0.5 * terms.sum(), "summed over the batch: take the mean over the samples"),
                       (0.5 * terms.mean(), ("averaged over the code dimensions: sum them, the KL of "
                                            "independent coordinates adds up"))]:
        if np.isclose(value, wrong, rtol=1e-5) and not np.isclose(value, expected, rtol=1e-5):
            raise Mismatch(f"gaussian_kl on a batch of 5 codes of size 3 is {value:.6g}, expected "
                           f"{expected:.6g}", why)
    cases = [("5 codes of size 3", (mu, logvar)),
             ("μ = 0, logvar = 0 (the prior itself: KL = 0)", (np.zeros((2, 4)), np.zeros((2, 4)))),
             ("1 code of size 2", (rng.standard_normal((1, 2)) * 3, rng.standard_normal((1, 2)) * 2))]
    return check_tensor_function(answer, gaussian_kl, cases, ("mu", "logvar"), hints={
        "values": "½ Σ_j (μ_j² + exp(logvar_j) − logvar_j − 1), then the mean over the batch",
        "grad": "dKL/dμ = μ/N and dKL/dlogvar = ½(exp(logvar) − 1)/N: keep it all Tensor operations"})


# -- 5. the denoising corruption --------------------------------------------------------------------
@register("ch8.corrupt", hints=[
    ("two kinds of damage: drop each pixel (set it to 0) with probability drop_prob, then add Gaussian "
     "noise of standard deviation noise_std, then clip to [0, 1]"),
    ("draw from the rng you are given, in this order: first the uniform numbers for the mask "
     "(rng.random with x's shape; a pixel is kept when its number is at least drop_prob), then the "
     "noise (rng.normal with mean 0, noise_std and x's shape)"),
    "return a new array: the clean x is the target, so it must not change",
])
def check_corrupt(answer):
    x = np.random.default_rng(85).random((400, 64)) * 0.8 + 0.1
    clean = x.copy()
    got = call(answer, x, np.random.default_rng(7), 0.3, 0.1)
    if not np.array_equal(x, clean):
        raise Mismatch("corrupt changed its input x in place",
                       "the clean x is the denoiser's target: build a new array rather than changing x")
    got = as_array(got, "corrupt(x, rng, 0.3, 0.1)")
    if got.shape != x.shape:
        raise Mismatch(f"corrupt(x, rng, 0.3, 0.1) has shape {got.shape}, expected x's shape {x.shape}")
    again = as_array(call(answer, x, np.random.default_rng(7), 0.3, 0.1), "corrupt")
    if not np.array_equal(got, again):
        raise Mismatch("corrupt gave different results for two generators with the same seed",
                       "draw every random number from the rng argument (not np.random or dlkit's "
                       "generator), so that a seed reproduces the corruption")
    wild = as_array(call(answer, x, np.random.default_rng(8), 0.3, 0.5), "corrupt(x, rng, 0.3, 0.5)")
    if wild.min() < 0 or wild.max() > 1:
        raise Mismatch(f"corrupt(x, rng, 0.3, 0.5) ranges from {wild.min():.3g} to {wild.max():.3g}, "
                       "expected [0, 1]", "clip after adding the noise: pixels are intensities in [0, 1]")
    masked = as_array(call(answer, x, np.random.default_rng(9), 0.3, 0.0), "corrupt(x, rng, 0.3, 0.0)")
    dropped = np.mean(masked == 0)  # every pixel of x is at least 0.1, so a 0 was dropped
    if abs(dropped - 0.3) > 0.05:
        raise Mismatch(f"corrupt(x, rng, drop_prob=0.3, noise_std=0.0) set {dropped:.0%} of the pixels "
                       "to 0, expected about 30%",
                       "drop_prob is the probability of DROPPING a pixel: keep it when its uniform number "
                       "is at least drop_prob" if dropped > 0.5 else
                       "set each dropped pixel to 0 (multiply by a 0/1 mask), with probability drop_prob")
    kept = masked != 0
    if not np.allclose(masked[kept], x[kept]):
        raise Mismatch("corrupt(x, rng, drop_prob=0.3, noise_std=0.0) changed the pixels it kept",
                       "a kept pixel keeps its value: multiply by the 0/1 mask only, without dropout's "
                       "rescaling by 1/(1 − drop_prob)")
    zeros = np.mean(as_array(call(answer, x, np.random.default_rng(12), 0.3, 0.1), "corrupt") == 0)
    if zeros > 0.25:  # the noise lifts about half the dropped pixels above 0 again: expect ~16% zeros
        raise Mismatch(f"corrupt(x, rng, 0.3, 0.1) left {zeros:.0%} of the pixels exactly 0, expected about "
                       "16% (the noise moves about half of the dropped pixels away from 0)",
                       "add the noise to every pixel, the dropped ones too: mask first, then add the noise")
    noisy = as_array(call(answer, x, np.random.default_rng(10), 0.0, 0.1), "corrupt(x, rng, 0.0, 0.1)")
    spread = np.std(noisy - x)
    if abs(spread - 0.1) > 0.02:
        raise Mismatch(f"corrupt(x, rng, drop_prob=0.0, noise_std=0.1) moves the pixels by a standard "
                       f"deviation of {spread:.3g}, expected about 0.1",
                       "add Gaussian noise rng.normal(0, noise_std, x.shape) to every pixel")
    for seed, (p, s) in [(7, (0.3, 0.1)), (11, (0.5, 0.2)), (3, (0.0, 0.05))]:
        got = as_array(call(answer, x[:20], np.random.default_rng(seed), p, s), "corrupt")
        assert_close(got, corrupt(x[:20], np.random.default_rng(seed), p, s),
                     f"corrupt(x, default_rng({seed}), {p}, {s})",
                     "the statistics are right, so it is the order of the draws: first rng.random(x.shape) "
                     "for the mask, then rng.normal(0, noise_std, x.shape)")
    return "statistics (fraction dropped, noise, [0, 1]) and 3 seeded cases passed; x left unchanged"


# -- 6. one denoising training step -----------------------------------------------------------------
def _twin_autoencoders(rng):
    return twin_models(lambda: nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 6)), rng)


@register("ch8.denoising_step", hints=[
    "corrupt the input with your corrupt(x, rng, drop_prob, noise_std); the target stays the clean x",
    ("then the usual step: clear the gradients, reconstruction_loss(model(noisy), clean), backward, "
     "step, and return the loss as a float"),
])
def check_denoising_step(answer):
    rng = np.random.default_rng(86)
    mine, reference = _twin_autoencoders(rng)
    my_opt, ref_opt = Adam(mine.parameters(), lr=0.01), Adam(reference.parameters(), lr=0.01)
    my_rng, ref_rng = np.random.default_rng(5), np.random.default_rng(5)
    for step in range(1, 4):
        x = rng.random((8, 6))
        clean = x.copy()
        got = call(answer, mine, my_opt, x, my_rng, 0.3, 0.1)
        expected = denoising_step(reference, ref_opt, clean, ref_rng, 0.3, 0.1)
        if not np.array_equal(x, clean):
            raise Mismatch(f"step {step} changed the clean batch x in place",
                           "corrupt returns a new array; the clean x is the target")
        if isinstance(got, Tensor):
            raise Mismatch(f"step {step} returned the loss Tensor, expected a Python float",
                           "give back the loss's number with .item()")
        got = as_number(got, f"the loss returned by step {step}")
        if np.isclose(got, expected / x.shape[1], rtol=1e-4):
            raise Mismatch(f"the loss returned by step {step} is {got:.6g}, expected {expected:.6g}: "
                           f"{x.shape[1]} times smaller", "use your reconstruction_loss (squared errors "
                           "summed over each sample's pixels), not the mean over every pixel (nn.MSELoss)")
        assert_close(got, expected, f"the loss returned by step {step}",
                     "compare the reconstruction of the NOISY input with the CLEAN x: corrupting the "
                     "target too teaches the model to reproduce noise" if step == 1 else
                     "clear the gradients before every backward()")
        ref_params = dict(reference.named_parameters())
        for name, p in mine.named_parameters():
            assert_close(p.data, ref_params[name].data, f"parameter {name!r} after step {step}",
                         "one optimizer step per call, gradients cleared first")
    return "3 denoising steps passed (losses and updated parameters)"
