"""dlkit.viz tests draw with matplotlib's Agg backend: plots are checked by their artists, never shown."""
import matplotlib

matplotlib.use("Agg")
