"""Debian's Chromium for the browser tests: found on PATH, never installed by a test.

`.ci/run` installs it (with the other system packages the suite needs) before the test command;
a test that needs it fails loudly when it is missing, naming the package.
"""

from __future__ import annotations

import shutil

import pytest

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars")


def chromium() -> str:
    """Return the path of the chromium binary, or fail the test saying how to get it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: the browser tests need Debian's chromium "
                    "(`.ci/run` installs it; by hand: apt-get install chromium chromium-driver)",
                    pytrace=False)
    return found
