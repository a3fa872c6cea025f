"""Markers shared by test modules."""

import pytest

from cogym.sandbox import available_backends

needs_sandbox = pytest.mark.skipif(
    not set(available_backends()) & {"bwrap", "docker"},
    reason="no isolating sandbox: apt-get install bubblewrap",
)


def browser_available() -> bool:
    """Whether the web envs can start a browser: Playwright installed and a Chromium found."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    from cogym.envs.web.browser import find_chromium

    return find_chromium() is not None


needs_browser = pytest.mark.skipif(
    not browser_available(),
    reason="no browser for the web envs: pip install 'cogym[web]' and apt-get install chromium",
)
