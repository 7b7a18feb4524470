"""What every browser test module shares: the system Chromium's path and flags, the two
widths, the marks, and the checks they all make. The fixtures (`browser`, `site`, `page`)
are in tests/site/conftest.py. A module sets `pytestmark = browser_marks`.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls
# made by the test itself (seeding) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# Screenshots for a person to look at (README, "Public site").
SHOTS = Path("/tmp/entente-shots")
# Tests that visit many pages screenshot each of them only when asked
# (ENTENTE_SHOTS=all): to look at, not to test.
EVERY_SHOT = os.environ.get("ENTENTE_SHOTS") == "all"

browser_marks = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs the system Chromium (apt-get install chromium)"
    ),
]


def scrolls_sideways(page):
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
