"""dlkit.optim (being built)."""
