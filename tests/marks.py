"""Markers shared by test modules."""

import pytest

from cogym.sandbox import available_backends

needs_sandbox = pytest.mark.skipif(
    not set(available_backends()) & {"bwrap", "docker"},
    reason="no isolating sandbox: apt-get install bubblewrap",
)
