"""End to end: the same MLP (weights copied through state_dict), the same DataLoader batches, the same
optimizer in dlkit and in PyTorch float64 -> the same weights after several epochs."""
import numpy as np
import pytest

import dlkit
from dlkit import nn, optim
from dlkit.data import DataLoader, TensorDataset, make_spiral

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name,kwargs", [("Adam", {"lr": 0.01}), ("SGD", {"lr": 0.1, "momentum": 0.9}),
                                         ("AdamW", {"lr": 0.01, "weight_decay": 0.05})])
def test_mlp_training_matches_torch(name, kwargs):
    X, y = make_spiral(n_samples=90, noise=0.1, seed=0)
    dlkit.manual_seed(0)
    ours = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    our_opt = getattr(optim, name)(ours.parameters(), **kwargs)
    their_opt = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    our_loss, their_loss = nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, seed=3)
    for _ in range(4):
        for xb, yb in loader:
            our_opt.zero_grad()
            our_loss(ours(xb), yb).backward()
            our_opt.step()
            their_opt.zero_grad()
            their_loss(theirs(torch.from_numpy(xb.data)), torch.from_numpy(yb.data)).backward()
            their_opt.step()
    theirs_state = theirs.state_dict()
    for key, value in ours.state_dict().items():
        np.testing.assert_allclose(value, theirs_state[key].numpy(), rtol=1e-9, atol=1e-12, err_msg=key)
