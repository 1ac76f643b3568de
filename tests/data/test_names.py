"""The embedded names corpus: size, alphabet, no duplicates, and the provenance note beside it."""
import hashlib
from importlib import resources

import dlkit


def test_load_names_gives_the_census_first_names():
    names = dlkit.data.load_names()
    assert len(names) == 5163
    assert names[:3] == ["aaron", "abbey", "abbie"]
    assert {"emma", "olivia", "james", "mary"} <= set(names)


def test_names_are_lower_case_letters_sorted_and_unique():
    names = dlkit.data.load_names()
    assert all(name.isascii() and name.isalpha() and name.islower() for name in names)
    assert names == sorted(set(names))
    assert min(map(len, names)) == 2 and max(map(len, names)) == 11


def test_corpus_file_is_small_and_matches_the_checksum_in_its_provenance_note():
    folder = resources.files("dlkit.data")
    data = folder.joinpath("names.txt").read_bytes()
    assert len(data) < 100_000
    note = folder.joinpath("NAMES.md").read_text()
    assert hashlib.sha256(data).hexdigest() in note
    assert "public domain" in note and "1990" in note


def test_each_call_returns_a_fresh_list():
    first = dlkit.data.load_names()
    first.clear()
    assert len(dlkit.data.load_names()) == 5163
