"""fit's display: in a notebook the finished bar is replaced by one line that reads well in a saved notebook;
in a terminal the text bar ends at 100 %; History's repr is the same line."""
import numpy as np
import pytest

import dlkit
from dlkit import nn, optim
from dlkit.data import make_blobs


def _fit(progress=False, epochs=3, **kwargs):
    X, y = make_blobs(n_samples=60, n_classes=3, noise=0.4, seed=0)
    dlkit.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    return dlkit.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), (X, y),
                     epochs=epochs, batch_size=20, validation_data=(X, y), progress=progress, **kwargs)


def test_history_summary_is_one_readable_line():
    history = _fit()
    line = history.summary()
    assert line.startswith("epoch 3/3 — loss ")
    for name in ("accuracy", "val_loss", "val_accuracy"):
        assert f"{name} {history[name][-1]:.4g}" in line
    assert repr(history) == f"History({line})" and "\n" not in line


def test_the_summary_says_why_training_stopped():
    history = _fit(epochs=50, early_stopping=dlkit.training.EarlyStopping(patience=1, monitor="val_accuracy",
                                                                            min_delta=1.0))
    assert history.summary().startswith("epoch 2/50 — ")
    assert "stopped: early stopping" in history.summary()


def test_the_terminal_bar_ends_at_100_percent(capsys):
    _fit(progress=True)
    err = capsys.readouterr().err
    final = err.replace("\r", "\n").strip().splitlines()[-1]
    assert "100%" in final and "9/9" in final and "epoch 3/3" in final


def test_in_a_notebook_the_saved_output_is_the_summary_line_not_an_empty_bar():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipywidgets")
    code = ("import dlkit\nfrom dlkit import nn, optim\nfrom dlkit.data import make_blobs\n"
            "X, y = make_blobs(n_samples=60, n_classes=3, noise=0.4, seed=0)\n"
            "model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))\n"
            "history = dlkit.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), (X, y),\n"
            "                    epochs=3, batch_size=20)\n"
            "print(history.summary())")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    shown = [o for o in outputs if o.output_type in ("display_data", "update_display_data")]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
    summary = printed.strip()
    assert summary.startswith("epoch 3/3 — loss")
    texts = [o.data.get("text/plain", "") for o in shown]
    assert texts and texts[-1].startswith(summary) and "(9 batches, " in texts[-1]
    assert not any("0%|" in t for t in texts), texts
    assert np.all(["widget-view" not in "".join(o.data) for o in shown])
