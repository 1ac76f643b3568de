"""Matplotlib plots for the course: training curves, decision boundaries, histograms, filters, trajectories.

Every function returns a ``matplotlib.figure.Figure`` and accepts ``ax=`` to draw into an existing
axes instead. Figures are made without pyplot, so a notebook shows each one once (when it is the last
expression of a cell) and scripts can ``fig.savefig("plot.png")``.
"""
