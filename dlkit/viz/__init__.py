"""dlkit.viz (being built)."""
