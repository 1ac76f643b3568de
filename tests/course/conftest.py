"""A fixture that registers throw-away checks for testing the checker itself, and removes them after."""
import pytest

from dlkit.course import checker, hints


@pytest.fixture
def temporary_check():
    checker.available_checks()  # load the real references first, so ours never replace theirs
    added = []

    def add(name, fn, **options):
        assert name not in checker._CHECKS, f"{name} is a real check"
        checker.register(name, **options)(fn)
        added.append(name)
        return name

    yield add
    for name in added:
        checker._CHECKS.pop(name, None)
        checker._RESULTS.pop(name, None)
        hints._TIERS.pop(name, None)
        hints._GIVEN.pop(name, None)


@pytest.fixture(autouse=True)
def default_hint_and_timeout_settings():
    """Every test starts (and leaves) with hints following DLKIT_HINTS and the default time limit."""
    hints.set_hints(None)
    hints.reset_hints()
    checker._timeout = "environment"
    yield
    hints.set_hints(None)
    hints.reset_hints()
    checker._timeout = "environment"
