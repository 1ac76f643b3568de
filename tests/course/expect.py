"""What the check tests expect of a check: a right answer passes, a wrong one fails with a message
that names the mistake. Shared by the test_checks_ch*.py files."""
from dlkit.course import run_check


def passes(name, answer):
    result = run_check(name, answer)
    assert result.passed, f"{name} rejected a right answer: {result}"


def fails(name, answer, *fragments):
    """The check must fail, and its message must contain every one of ``fragments``."""
    result = run_check(name, answer)
    assert not result.passed, f"{name} passed a wrong answer: {result}"
    for fragment in fragments:
        assert fragment in str(result), f"{fragment!r} not in {str(result)!r}"


def stub(*args, **kwargs):
    """An exercise as it is handed out: not written yet."""
    raise NotImplementedError("replace this line with your code")
