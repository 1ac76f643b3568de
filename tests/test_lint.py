"""The package, tests, benchmarks and every notebook pass ruff (settings in pyproject.toml), so lint
findings fail the test command instead of piling up."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise",
                             "dlkit", "tests", "benchmarks", "notebooks", "solutions", "exercises"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
