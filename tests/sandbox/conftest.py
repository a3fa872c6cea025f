"""Fixtures of the sandbox tests."""

from __future__ import annotations

import subprocess
import uuid

import pytest
from sandbox_helpers import ISOLATING, skip_unless_available, skip_without_isolation

from cogym.sandbox.backends import get_backend


@pytest.fixture(params=ISOLATING)
def isolating_backend(request) -> str:
    """Each isolating backend in turn; skipped (with the reason) where it does not work.

    Escape attempts (``kill -9 -1``, fork bombs, writes to /etc...) must never run on a
    backend that does not isolate: on the host, as root, they would do real damage.
    """
    assert get_backend(request.param).isolating, "escape tests need an isolating backend"
    skip_unless_available(request.param)
    return request.param


@pytest.fixture
def token() -> str:
    """A unique string to find a run's processes by their command line."""
    return f"cogym-token-{uuid.uuid4().hex}"


@pytest.fixture
def host_sleeper():
    """A host process that sandboxed code must not be able to kill."""
    sleeper = subprocess.Popen(["sleep", "120"])
    yield sleeper
    sleeper.kill()
    sleeper.wait()


@pytest.fixture
def needs_isolation() -> None:
    """Skip where ``backend="auto"`` cannot run (neither bwrap nor docker works)."""
    skip_without_isolation()
