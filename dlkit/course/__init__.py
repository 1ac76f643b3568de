"""dlkit.course (being built)."""
