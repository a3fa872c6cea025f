"""Driving a child process the way a user at a terminal does."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable


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
