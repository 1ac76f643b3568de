"""dlkit.data (being built)."""
