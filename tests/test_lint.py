"""ruff on the whole code base; mypy strict on feeds/ and realtime/, plain mypy on displays/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_ruff_is_clean() -> None:
    result = run("ruff", "check", "feeds", "realtime", "displays", "bench", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    # strictness per package is configured in pyproject.toml
    result = run("mypy", "feeds", "realtime", "displays")
    assert result.returncode == 0, result.stdout + result.stderr
