"""The course's headline check: a small MLP on the embedded digits beats a reference library's 97.22 %."""
import dlkit
from dlkit import nn, optim
from dlkit.data import load_digits


def test_digits_mlp_reaches_at_least_97_5_percent_test_accuracy():
    # 64-128-10 ReLU MLP, Adam(lr=1e-3), batch 32, 40 epochs on the fixed split. Seeds 0-5 gave
    # 97.8 %-98.1 % when this test was written; seed 0 is the one checked here (about 1-2 s).
    (X_train, y_train), (X_test, y_test) = load_digits()
    dlkit.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    history = dlkit.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                        (X_train, y_train), epochs=40, batch_size=32, metrics=(), seed=0, progress=False)
    assert history["loss"][-1] < 0.05
    accuracy = dlkit.evaluate(model, None, (X_test, y_test), metrics=["accuracy"])["accuracy"]
    assert accuracy >= 0.975, f"digits MLP test accuracy {accuracy:.4f} < 0.975"
