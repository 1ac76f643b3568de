"""The embedded names corpus: 5,163 first names for a character-level model (makemore style).

Lower-case a–z, one per line in ``names.txt`` (alphabetical, no duplicates); where they come from and
their licence (public domain, 1990 US census) are in ``NAMES.md`` beside it.
"""
from importlib import resources


def load_names():
    """All names of the corpus as a list of lower-case strings, in alphabetical order.

    Shuffle them yourself (with a seed) before splitting into training and validation sets.

    Examples
    --------
    >>> names = dlkit.data.load_names()
    >>> len(names), names[:3]
    (5163, ['aaron', 'abbey', 'abbie'])
    """
    text = resources.files(__package__).joinpath("names.txt").read_text(encoding="ascii")
    return text.split()
