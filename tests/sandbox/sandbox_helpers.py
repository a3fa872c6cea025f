"""Shared by the sandbox tests: which backends to test, and host-side checks."""

from __future__ import annotations

import os
import time

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


def survivors(token: str, grace_s: float = 2.0) -> list[int]:
    """Host pids still carrying ``token`` after the kernel's teardown of a killed pid
    namespace: a killed process can stay visible for a moment while it exits under load,
    while one that escaped would live on (the sleepers here sleep 60 s)."""
    deadline = time.monotonic() + grace_s
    while (found := processes_with(token)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def assert_clean_afterwards(backend: str, token: str | None = None) -> None:
    """Nothing of the run is left on the host, and a normal run works right after."""
    if token is not None:
        assert survivors(token) == []
    after = run("print('still fine')", backend=backend, timeout_s=10)
    assert (after.status, after.stdout) == ("ok", "still fine\n")
