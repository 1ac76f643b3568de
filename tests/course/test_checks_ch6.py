"""Chapter 6's checks accept right answers (written here independently of the references, also in
float32) and fail the stubs and the mistakes learners really make, with messages that name them."""
import numpy as np
import pytest
from expect import fails, passes, stub

import dlkit
from dlkit import nn


# ---------------------------------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------------------------------
def dropout_class(scale_train=True, scale_eval=False, redraw=False, fixed_seed=False, keep_prob_is_p=False,
                  dtype_keep=True):
    class Dropout:
        def __init__(self, p, seed=None):
            self.p, self.rng, self.mask, self.x_shape = p, np.random.default_rng(seed), None, None

        def forward(self, x, training=True):
            if not training:
                self.mask = np.ones(x.shape, dtype=bool)
                self.factor = 1.0
                return x / (1 - self.p) if scale_eval else x
            rng = np.random.default_rng(0) if fixed_seed else self.rng
            self.x_shape = x.shape
            threshold = 1 - self.p if keep_prob_is_p else self.p
            self.mask = rng.uniform(size=x.shape) > threshold
            self.factor = 1 / (1 - self.p) if scale_train else 1.0
            return np.where(self.mask, x * self.factor, 0).astype(x.dtype)

        def backward(self, dout):
            mask = self.mask
            if redraw and self.factor != 1.0:
                mask = self.rng.uniform(size=self.x_shape) > self.p
            return dout * mask * self.factor
    return Dropout


def test_dropout_right_answer_passes():
    passes("ch6.Dropout", dropout_class())


def test_dropout_stub_fails():
    class Stub:
        def __init__(self, p, seed=None):
            pass
        forward = backward = stub
    fails("ch6.Dropout", Stub, "not implemented")


def test_dropout_without_the_1_over_1_minus_p_scaling_fails():
    fails("ch6.Dropout", dropout_class(scale_train=False), "kept entries equal x", "1/(1 − p)")


def test_dropout_scaling_at_evaluation_fails():
    fails("ch6.Dropout", dropout_class(scale_eval=True), "training=False", "identity")


def test_dropout_redrawing_the_mask_in_backward_fails():
    fails("ch6.Dropout", dropout_class(redraw=True), "backward", "mask of the forward pass")


def test_dropout_with_a_fixed_seed_in_forward_fails():
    fails("ch6.Dropout", dropout_class(fixed_seed=True), "dropped the same entries")


def test_dropout_treating_p_as_the_keep_probability_fails():
    fails("ch6.Dropout", dropout_class(keep_prob_is_p=True), "dropped", "probability of keeping")


def test_dropout_calling_dlkits_dropout_is_told_to_write_it_itself():
    class Borrowed:
        def __init__(self, p, seed=None):
            self.p = p

        def forward(self, x, training=True):
            return dlkit.functional.dropout(dlkit.Tensor(x), self.p, training).data

        def backward(self, dout):
            return dout
    fails("ch6.Dropout", Borrowed, "write it yourself")


# ---------------------------------------------------------------------------------------------------
# Batch norm forward
# ---------------------------------------------------------------------------------------------------
def bn_forward(ddof_norm=0, ddof_running=1, axis=0, in_place=True, eval_uses_batch=False):
    def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        if training or eval_uses_batch:
            mu = np.mean(x, axis=axis, keepdims=True)
            centred = x - mu
            var = np.sum(centred ** 2, axis=axis, keepdims=True) / (x.shape[axis] - ddof_norm)
            out = centred / np.sqrt(var + eps) * gamma + beta
            if training:
                n = x.shape[0]
                batch_mean = x.mean(axis=0)
                batch_var = ((x - batch_mean) ** 2).sum(axis=0) / (n - ddof_running)
                new_mean = momentum * batch_mean + (1 - momentum) * running_mean
                new_var = momentum * batch_var + (1 - momentum) * running_var
                if in_place:
                    running_mean[:] = new_mean
                    running_var[:] = new_var
                else:
                    running_mean = new_mean  # the mistake: rebinding the name, not updating the array
            return out.astype(x.dtype)
        return ((x - running_mean) / np.sqrt(running_var + eps) * gamma + beta).astype(x.dtype)
    return batchnorm_forward


def test_batchnorm_forward_right_answer_passes():
    passes("ch6.batchnorm_forward", bn_forward())


def test_batchnorm_forward_stub_fails():
    fails("ch6.batchnorm_forward", stub, "not implemented")


def test_batchnorm_forward_normalising_with_the_unbiased_variance_fails():
    fails("ch6.batchnorm_forward", bn_forward(ddof_norm=1), "your output", "unbiased variance (ddof=1)")


def test_batchnorm_forward_feeding_the_biased_variance_to_the_running_average_fails():
    fails("ch6.batchnorm_forward", bn_forward(ddof_running=0), "running_var", "unbiased")


def test_batchnorm_forward_normalising_over_the_wrong_axis_fails():
    fails("ch6.batchnorm_forward", bn_forward(axis=1), "your output", "axis 0")


def test_batchnorm_forward_not_updating_the_running_mean_in_place_fails():
    fails("ch6.batchnorm_forward", bn_forward(in_place=False), "running_mean", "in place")


def test_batchnorm_forward_using_batch_statistics_in_evaluation_fails():
    fails("ch6.batchnorm_forward", bn_forward(eval_uses_batch=True), "evaluation", "running_mean")


def test_batchnorm_forward_calling_dlkits_batch_norm_is_told_to_write_it_itself():
    def borrowed(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
        return nn.functional.batch_norm(dlkit.Tensor(x), running_mean, running_var, dlkit.Tensor(gamma),
                                        dlkit.Tensor(beta), training=training, momentum=momentum, eps=eps).data
    fails("ch6.batchnorm_forward", borrowed, "write it yourself")


# ---------------------------------------------------------------------------------------------------
# Batch norm backward
# ---------------------------------------------------------------------------------------------------
def bn_backward(mistake=None, dtype=None):
    def batchnorm_backward(dout, x, gamma, eps=1e-5):
        if dtype is not None:
            dout, x, gamma = (a.astype(dtype) for a in (dout, x, gamma))
        n = len(x)
        mu = x.sum(axis=0) / n
        var = ((x - mu) ** 2).sum(axis=0) / (n - (1 if mistake == "unbiased" else 0))
        inv = 1 / np.sqrt(var + eps)
        xhat = (x - mu) * inv
        dxhat = dout * gamma
        # the staged form of CS231n: through the variance, then the mean, then x
        dvar = np.sum(dxhat * (x - mu), axis=0) * -0.5 * inv ** 3
        dmu = -np.sum(dxhat * inv, axis=0)
        dx = dxhat * inv + dvar * 2 * (x - mu) / n + dmu / n
        if mistake == "no_mean_term":
            dx = dxhat * inv + dvar * 2 * (x - mu) / n
        if mistake == "constants":
            dx = dxhat * inv
        return dx, np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)
    return batchnorm_backward


def test_batchnorm_backward_right_answer_passes():
    passes("ch6.batchnorm_backward", bn_backward())


def test_batchnorm_backward_in_float32_passes():
    passes("ch6.batchnorm_backward", bn_backward(dtype=np.float32))


def test_batchnorm_backward_stub_fails():
    fails("ch6.batchnorm_backward", stub, "not implemented")


def test_batchnorm_backward_forgetting_the_means_gradient_term_fails():
    fails("ch6.batchnorm_backward", bn_backward("no_mean_term"), "dx")


def test_batchnorm_backward_treating_the_statistics_as_constants_is_told_so():
    fails("ch6.batchnorm_backward", bn_backward("constants"), "dx", "μ and σ² as constants")


def test_batchnorm_backward_with_the_unbiased_variance_fails():
    fails("ch6.batchnorm_backward", bn_backward("unbiased"), "off")


def test_batchnorm_backward_by_autograd_is_told_to_write_it_itself():
    def autograd(dout, x, gamma, eps=1e-5):
        xt, gt = dlkit.Tensor(x, requires_grad=True), dlkit.Tensor(gamma, requires_grad=True)
        mean = xt.mean(axis=0, keepdims=True)
        c = xt - mean
        out = gt * c / ((c * c).mean(axis=0, keepdims=True) + eps) ** 0.5
        out.backward(dout)
        return xt.grad, gt.grad, dout.sum(axis=0)
    fails("ch6.batchnorm_backward", autograd, "write it yourself")


# ---------------------------------------------------------------------------------------------------
# Layer norm
# ---------------------------------------------------------------------------------------------------
def ln(axis=-1, unbiased=False):
    def layer_norm(x, gamma, beta, eps=1e-5):
        d = x.shape[axis]
        mean = x.sum(axis=axis, keepdims=True) / d
        dev = x - mean
        var = (dev ** 2).sum(axis=axis, keepdims=True) / (d - 1 if unbiased else d)
        return dev * (var + eps) ** -0.5 * gamma + beta
    return layer_norm


def test_layer_norm_right_answer_passes():
    passes("ch6.layer_norm", ln())


def test_layer_norm_stub_fails():
    fails("ch6.layer_norm", stub, "not implemented")


def test_layer_norm_over_the_batch_axis_fails():
    fails("ch6.layer_norm", ln(axis=0), "last axis")


def test_layer_norm_over_axis_1_fails_on_3d_input():
    fails("ch6.layer_norm", ln(axis=1), "(2, 3, 6)")


def test_layer_norm_with_the_unbiased_variance_fails():
    fails("ch6.layer_norm", ln(unbiased=True), "biased")


def test_layer_norm_through_numpy_loses_the_gradient():
    def numpy_inside(x, gamma, beta, eps=1e-5):
        a = x.data
        return dlkit.Tensor((a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + eps)
                            * gamma.data + beta.data)
    fails("ch6.layer_norm", numpy_inside, "does not require grad")


def test_layer_norm_calling_nn_layernorm_is_told_to_write_it_itself():
    def borrowed(x, gamma, beta, eps=1e-5):
        return nn.functional.layer_norm(x, (x.shape[-1],), gamma, beta, eps)
    fails("ch6.layer_norm", borrowed, "write it yourself")


# ---------------------------------------------------------------------------------------------------
# Early stopping
# ---------------------------------------------------------------------------------------------------
def early_stopping(patience_shift=0, restore=True, alias=False, non_strict=False, no_reset=False):
    def train_with_early_stopping(model, train_one_epoch, validation_loss, max_epochs, patience):
        best, best_epoch, saved, streak = np.inf, 0, None, 0
        epoch = 0
        while epoch < max_epochs:
            epoch += 1
            train_one_epoch()
            loss = validation_loss()
            improved = loss <= best if non_strict else loss < best
            if improved:
                best, best_epoch = loss, epoch
                streak = streak if no_reset else 0
                saved = ({k: p.data for k, p in model.named_parameters()} if alias
                         else {k: v.copy() for k, v in model.state_dict().items()})
                continue
            streak += 1
            if streak >= patience + patience_shift:
                break
        if restore:
            if alias:
                model.load_state_dict({k: v.copy() for k, v in saved.items()})
            else:
                model.load_state_dict(saved)
        return best_epoch
    return train_with_early_stopping


def test_early_stopping_right_answer_passes():
    passes("ch6.early_stopping", early_stopping())


def test_early_stopping_stub_fails():
    fails("ch6.early_stopping", stub, "not implemented")


@pytest.mark.parametrize("shift", [-1, 1])
def test_early_stopping_with_patience_off_by_one_fails(shift):
    fails("ch6.early_stopping", early_stopping(patience_shift=shift), "your loop ran", "epochs")


def test_early_stopping_without_restoring_the_best_weights_fails():
    fails("ch6.early_stopping", early_stopping(restore=False), "weights of epoch", "load_state_dict")


def test_early_stopping_keeping_references_to_the_live_parameters_fails():
    fails("ch6.early_stopping", early_stopping(alias=True), "weights of epoch")


def test_early_stopping_counting_an_equal_loss_as_improvement_fails():
    fails("ch6.early_stopping", early_stopping(non_strict=True), "equal to the best")


def test_early_stopping_not_resetting_the_count_after_a_new_best_fails():
    fails("ch6.early_stopping", early_stopping(no_reset=True), "your loop ran", "resets the count")


def test_early_stopping_using_dlkit_fit_is_told_to_write_it_itself():
    def borrowed(model, train_one_epoch, validation_loss, max_epochs, patience):
        dlkit.EarlyStopping(patience=patience)
        return 1
    fails("ch6.early_stopping", borrowed, "write it yourself")


# ---------------------------------------------------------------------------------------------------
# Shift augmentation
# ---------------------------------------------------------------------------------------------------
def shift(mistake=None):
    def shift_batch(images, labels, dx, dy):
        n, h, w = images.shape
        if mistake == "roll":
            return np.roll(np.roll(images, dx, axis=2), dy, axis=1), labels
        if mistake == "opposite":
            dx, dy = -dx, -dy
        if mistake == "axes":
            dx, dy = dy, dx
        padded = np.zeros((n, h + 2 * h, w + 2 * w), dtype=images.dtype)
        padded[:, h:2 * h, w:2 * w] = images
        out = padded[:, h - dy:2 * h - dy, w - dx:2 * w - dx].copy()
        if mistake == "labels":
            return out, np.roll(labels, 1)
        return out, labels
    return shift_batch


def test_shift_right_answer_passes():
    passes("ch6.shift_batch", shift())


def test_shift_in_float32_passes():
    def float32(images, labels, dx, dy):
        out, same = shift()(images.astype(np.float32), labels, dx, dy)
        return out, same
    passes("ch6.shift_batch", float32)


def test_shift_stub_fails():
    fails("ch6.shift_batch", stub, "not implemented")


def test_shift_with_np_roll_wraps_around_and_fails():
    fails("ch6.shift_batch", shift("roll"), "wrap around", "0")


def test_shift_in_the_opposite_direction_fails():
    fails("ch6.shift_batch", shift("opposite"), "opposite way")


def test_shift_along_the_wrong_axes_fails():
    fails("ch6.shift_batch", shift("axes"), "wrong axes")


def test_shift_that_moves_the_labels_too_fails():
    fails("ch6.shift_batch", shift("labels"), "labels", "unchanged")


def test_shift_that_edits_the_given_images_in_place_fails():
    def in_place(images, labels, dx, dy):
        out, same = shift()(images, labels, dx, dy)
        images[...] = out
        return images, same
    fails("ch6.shift_batch", in_place, "changed the images it was given", "np.zeros_like")


def test_shift_calling_dlkits_shift_images_is_told_to_write_it_itself():
    def borrowed(images, labels, dx, dy):
        return dlkit.data.shift_images(images, dx, dy), labels
    fails("ch6.shift_batch", borrowed, "write it yourself")
