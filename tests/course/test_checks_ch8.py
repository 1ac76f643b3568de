"""Chapter 8's checks accept right answers (float64 and float32) written independently of the
references, and fail the stub and the mistakes learners really make, with messages that point at them."""
import numpy as np
from expect import fails, passes, stub

from dlkit import nn, optim


# -- the AutoEncoder module -------------------------------------------------------------------------
def autoencoder(code_activation=None, out_activation=None, float32=False, decoder_hidden=None):
    class AutoEncoder(nn.Module):
        def __init__(self, n_inputs, n_hidden, n_code):
            super().__init__()
            tail = [code_activation()] if code_activation else []
            self.encoder = nn.Sequential(nn.Linear(n_inputs, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_code),
                                         *tail)
            hidden = decoder_hidden or n_hidden
            out = [out_activation()] if out_activation else []
            self.decoder = nn.Sequential(nn.Linear(n_code, hidden), nn.ReLU(), nn.Linear(hidden, n_inputs), *out)
            if float32:
                self.float()

        def forward(self, x):
            return self.decoder(self.encoder(x))
    return AutoEncoder


def test_autoencoder_right_answer_passes_in_float64_and_float32():
    passes("ch8.AutoEncoder", autoencoder())
    passes("ch8.AutoEncoder", autoencoder(float32=True))


def test_autoencoder_stub_fails():
    fails("ch8.AutoEncoder", stub, "NotImplementedError")


def test_autoencoder_with_a_sigmoid_output_or_a_relu_code_fails_on_values():
    fails("ch8.AutoEncoder", autoencoder(out_activation=nn.Sigmoid), "AutoEncoder(64, 32, 8)(x)",
          "no activation at the end")
    fails("ch8.AutoEncoder", autoencoder(code_activation=nn.ReLU), "encoder(x)", "no activation after the code")


def test_autoencoder_with_a_wrong_decoder_width_fails_on_shapes():
    fails("ch8.AutoEncoder", autoencoder(decoder_hidden=16), "decoder.0.weight has shape (16, 8)")


def test_autoencoder_without_relu_names_its_layers_differently():
    class Linear3(nn.Module):
        def __init__(self, n_inputs, n_hidden, n_code):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(n_inputs, n_hidden), nn.Linear(n_hidden, n_code))
            self.decoder = nn.Sequential(nn.Linear(n_code, n_hidden), nn.Linear(n_hidden, n_inputs))

        def forward(self, x):
            return self.decoder(self.encoder(x))
    fails("ch8.AutoEncoder", Linear3, "encoder.1.weight", "ReLU at index 1")


def test_autoencoder_whose_forward_skips_the_decoder_fails():
    class NoDecoder(autoencoder()):
        def forward(self, x):
            return self.encoder(x)
    fails("ch8.AutoEncoder", NoDecoder, "AutoEncoder(64, 32, 8)(x)")


def test_autoencoder_that_does_not_learn_fails_the_training_sanity_check():
    class Frozen(autoencoder()):
        def parameters(self, recurse=True):
            return iter(list(super().parameters())[:1])  # the optimizer sees only the first weight
    fails("ch8.AutoEncoder", Frozen, "150 steps")


# -- the reconstruction loss ------------------------------------------------------------------------
def test_reconstruction_loss_right_answers_pass():
    def by_flatten(x_hat, x):
        err = (x_hat - x) ** 2
        return err.reshape(err.shape[0], -1).sum(axis=1).mean()

    def by_total(x_hat, x):  # the sum over everything divided by the batch size is the same number
        return ((x_hat - x) ** 2).sum() / x.shape[0]

    def in_float32(x_hat, x):
        return by_total(x_hat.float(), x.float())
    for answer in (by_flatten, by_total, in_float32):
        passes("ch8.reconstruction_loss", answer)


def test_reconstruction_loss_wrong_reductions_fail():
    fails("ch8.reconstruction_loss", stub)
    fails("ch8.reconstruction_loss", lambda x_hat, x: ((x_hat - x) ** 2).mean(), "nn.MSELoss")
    fails("ch8.reconstruction_loss", lambda x_hat, x: ((x_hat - x) ** 2).sum(), "your result")
    fails("ch8.reconstruction_loss", lambda x_hat, x: ((x_hat - x) ** 2).sum(axis=1).mean(), "your result")
    fails("ch8.reconstruction_loss", lambda x_hat, x: ((x_hat - x) ** 2).sum(axis=0).mean(), "your result")


def test_reconstruction_loss_through_mse_loss_is_told_to_write_it_itself():
    from dlkit import functional as F
    fails("ch8.reconstruction_loss",
          lambda x_hat, x: F.mse_loss(x_hat, x, reduction="sum") / x.shape[0], "write it yourself")


# -- reparameterize ---------------------------------------------------------------------------------
def test_reparameterize_right_answers_pass():
    passes("ch8.reparameterize", lambda mu, logvar, eps: mu + (0.5 * logvar).exp() * eps)
    passes("ch8.reparameterize", lambda mu, logvar, eps: mu + (logvar.exp() ** 0.5) * eps)
    passes("ch8.reparameterize",
           lambda mu, logvar, eps: mu.float() + (0.5 * logvar.float()).exp() * eps.float())


def test_reparameterize_wrong_answers_fail_with_the_reason():
    from dlkit import Tensor
    fails("ch8.reparameterize", stub)
    fails("ch8.reparameterize", lambda mu, logvar, eps: mu + logvar * eps, "not σ")
    fails("ch8.reparameterize", lambda mu, logvar, eps: mu + logvar.exp() * eps, "variance")
    fails("ch8.reparameterize",
          lambda mu, logvar, eps: mu + (0.5 * logvar).exp() * Tensor(np.random.standard_normal(mu.shape)),
          "two different results", "eps argument")
    fails("ch8.reparameterize",
          lambda mu, logvar, eps: mu + Tensor(np.exp(0.5 * logvar.data)) * eps, "no gradient reached logvar")


# -- the Gaussian KL --------------------------------------------------------------------------------
def right_kl(mu, logvar):
    return 0.5 * (mu * mu + logvar.exp() - logvar - 1).sum(axis=1).mean()


def test_gaussian_kl_right_answers_pass():
    passes("ch8.gaussian_kl", right_kl)
    passes("ch8.gaussian_kl", lambda mu, logvar: right_kl(mu.float(), logvar.float()))
    passes("ch8.gaussian_kl", lambda mu, logvar: -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum() / mu.shape[0])


def test_gaussian_kl_wrong_answers_fail_with_the_reason():
    fails("ch8.gaussian_kl", stub)
    fails("ch8.gaussian_kl", lambda mu, lv: (mu * mu + lv.exp() - lv - 1).sum(axis=1).mean(), "the ½")
    fails("ch8.gaussian_kl", lambda mu, lv: -right_kl(mu, lv), "the sign")
    fails("ch8.gaussian_kl", lambda mu, lv: 0.5 * (mu * mu + (0.5 * lv).exp() - lv - 1).sum(axis=1).mean(),
          "exp(½·logvar) is σ")
    fails("ch8.gaussian_kl", lambda mu, lv: 0.5 * (mu * mu + lv.exp() - lv - 1).sum(), "summed over the batch")
    fails("ch8.gaussian_kl", lambda mu, lv: 0.5 * (mu * mu + lv.exp() - lv - 1).mean(), "sum them")


# -- corrupt ----------------------------------------------------------------------------------------
def right_corrupt(x, rng, drop_prob, noise_std):
    mask = (rng.random(x.shape) >= drop_prob).astype(x.dtype)
    noisy = x * mask + rng.normal(0.0, noise_std, x.shape)
    return np.minimum(np.maximum(noisy, 0.0), 1.0)


def test_corrupt_right_answers_pass():
    passes("ch8.corrupt", right_corrupt)
    passes("ch8.corrupt", lambda x, rng, p, s: right_corrupt(x.astype(np.float32), rng, p, s).astype(np.float32))


def test_corrupt_wrong_answers_fail_with_the_reason():
    fails("ch8.corrupt", stub)

    def unclipped(x, rng, p, s):
        return x * (rng.random(x.shape) >= p) + rng.normal(0, s, x.shape)

    def inverted(x, rng, p, s):
        return np.clip(x * (rng.random(x.shape) < p) + rng.normal(0, s, x.shape), 0, 1)

    def global_rng(x, rng, p, s):
        return np.clip(x * (np.random.random(x.shape) >= p) + np.random.normal(0, s, x.shape), 0, 1)

    def in_place(x, rng, p, s):
        x *= rng.random(x.shape) >= p
        x += rng.normal(0, s, x.shape)
        return np.clip(x, 0, 1, out=x)

    def noise_first(x, rng, p, s):
        noise = rng.normal(0, s, x.shape)
        return np.clip(x * (rng.random(x.shape) >= p) + noise, 0, 1)

    def variance_not_std(x, rng, p, s):
        return np.clip(x * (rng.random(x.shape) >= p) + rng.normal(0, s * s, x.shape), 0, 1)
    fails("ch8.corrupt", unclipped, "expected [0, 1]", "clip")
    fails("ch8.corrupt", inverted, "70%", "DROPPING")
    fails("ch8.corrupt", global_rng, "same seed", "rng argument")
    fails("ch8.corrupt", in_place, "in place")
    fails("ch8.corrupt", noise_first, "order of the draws")
    fails("ch8.corrupt", variance_not_std, "standard deviation")


def test_corrupt_with_dropout_rescaling_or_masked_noise_fails_with_the_reason():
    def dropout_rescaled(x, rng, p, s):
        keep = rng.random(x.shape) >= p
        return np.clip(x * keep / (1 - p) + rng.normal(0, s, x.shape), 0, 1)

    def noise_masked_too(x, rng, p, s):
        keep = rng.random(x.shape) >= p
        return np.clip((x + rng.normal(0, s, x.shape)) * keep, 0, 1)
    fails("ch8.corrupt", dropout_rescaled, "changed the pixels it kept", "1/(1 − drop_prob)")
    fails("ch8.corrupt", noise_masked_too, "exactly 0", "every pixel")


# -- one denoising step -----------------------------------------------------------------------------
def recon(x_hat, x):
    return ((x_hat - x) ** 2).sum() / x.shape[0]


def step_with(corrupt_targets=False, zero_grad=True):
    from dlkit import Tensor

    def denoising_step(model, optimizer, x, rng, drop_prob, noise_std):
        noisy = right_corrupt(x, rng, drop_prob, noise_std)
        target = noisy if corrupt_targets else x
        if zero_grad:
            optimizer.zero_grad()
        loss = recon(model(Tensor(noisy)), Tensor(target))
        loss.backward()
        optimizer.step()
        return loss.item()
    return denoising_step


def test_denoising_step_right_answer_passes():
    passes("ch8.denoising_step", step_with())


def test_denoising_step_wrong_answers_fail():
    fails("ch8.denoising_step", stub)
    fails("ch8.denoising_step", step_with(corrupt_targets=True), "CLEAN x")
    fails("ch8.denoising_step", step_with(zero_grad=False), "step 2")


def test_denoising_step_with_the_mean_squared_error_is_told_to_use_reconstruction_loss():
    from dlkit import Tensor

    def with_mse(model, optimizer, x, rng, drop_prob, noise_std):
        noisy = right_corrupt(x, rng, drop_prob, noise_std)
        optimizer.zero_grad()
        loss = ((model(Tensor(noisy)) - Tensor(x)) ** 2).mean()
        loss.backward()
        optimizer.step()
        return loss.item()
    fails("ch8.denoising_step", with_mse, "6 times smaller", "reconstruction_loss")


def test_the_twin_model_setup_is_not_trivially_passing():
    # a step that trains on the clean input (no corruption at all) must fail too
    from dlkit import Tensor

    def no_corruption(model, optimizer, x, rng, drop_prob, noise_std):
        optimizer.zero_grad()
        loss = recon(model(Tensor(x)), Tensor(x))
        loss.backward()
        optimizer.step()
        return loss.item()
    fails("ch8.denoising_step", no_corruption, "step 1")
    assert optim.Adam  # the checks use Adam; keep the import honest
