"""Shared by the sandbox tests: which backends to test, and host-side checks."""

from __future__ import annotations

import os

import pytest

from cogym.sandbox import run
from cogym.sandbox.backends import probe

ISOLATING = ("bwrap", "docker")


def skip_unless_available(name: str) -> None:
    """Skip the test when backend ``name`` does not work on this machine, saying why."""
    found = probe(name)
    if not found.available:
        pytest.skip(f"backend {name!r} is not available here: {found.reason}")


def skip_without_isolation() -> None:
    """Skip the test when ``backend="auto"`` has nothing to run on here, saying why."""
    if not any(probe(name).available for name in ISOLATING):
        reasons = "; ".join(f"{name}: {probe(name).reason}" for name in ISOLATING)
        pytest.skip(f"no isolating sandbox backend here ({reasons})")


def processes_with(token: str) -> list[int]:
    """Host pids whose command line contains ``token`` (zombies excluded)."""
    found = []
    needle = token.encode()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                if needle in handle.read():
                    found.append(int(name))
        except OSError:
            continue
    return found


def assert_clean_afterwards(backend: str, token: str | None = None) -> None:
    """Nothing of the run is left on the host, and a normal run works right after."""
    if token is not None:
        assert processes_with(token) == []
    after = run("print('still fine')", backend=backend, timeout_s=10)
    assert (after.status, after.stdout) == ("ok", "still fine\n")
