"""Driving a child process the way a user at a terminal does, and finding processes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from cogym.envs.web.browser import pid_alive


def ctrl_c_when(process: subprocess.Popen, ready: Callable[[], bool]) -> tuple[str, str]:
    """Send SIGINT once ``ready()`` (or the process ended), and return its output.

    There is no time limit of our own: pytest's timeout bounds a process that never gets
    ready. The process is killed if it outlives the test.
    """
    try:
        while process.poll() is None and not ready():
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        return process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def descendants(root: int) -> set[int]:
    """Every live process under ``root``, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return {pid for pid in found if pid_alive(pid)}


def wait_until_gone(pids, deadline_s: float) -> list[int]:
    """Poll /proc until none of ``pids`` runs or the deadline passes; return those left."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        left = [pid for pid in pids if pid_alive(pid)]
        if not left:
            return []
        time.sleep(0.05)
    return [pid for pid in pids if pid_alive(pid)]
