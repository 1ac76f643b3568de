"""dlkit.nn (being built)."""
