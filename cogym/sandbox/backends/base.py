"""What every backend provides: a check that it works here, a launch command, a kill."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

#: Where the sandbox's program and files go, for backends that make their own file system.
SCRATCH_DIR = "/sandbox"
#: The environment of sandboxed code, besides PATH (and HOME where the scratch dir is).
BASE_ENV = {
    "HOME": SCRATCH_DIR,
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
    "TMPDIR": "/tmp",
    "USER": "sandbox",
    "LOGNAME": "sandbox",
}


@dataclass
class Launch:
    """How to start one sandbox, from :meth:`Backend.launch`.

    :param argv: the command.
    :param env: its environment (None: inherit).
    :param cwd: its working directory on the host (None: inherit).
    :param cleanup: called once the sandbox is gone (removes host-side scratch dirs).
    :param name: the backend's name for this sandbox, where it needs one to kill it.
    """

    argv: list[str]
    env: dict[str, str] | None = None
    cwd: str | None = None
    cleanup: Callable[[], None] = field(default=lambda: None)
    name: str | None = None


class Backend(ABC):
    """A way to run the runner isolated (or, for ``subprocess``, not)."""

    #: The name users pass as ``backend=``.
    name: ClassVar[str]
    #: Whether code run by it is isolated from the host; ``auto`` only picks these.
    isolating: ClassVar[bool]
    #: Whether its engine bounds each sandbox's memory and processes as a whole (docker's
    #: container limits); otherwise the host does (see :mod:`cogym.sandbox.cgroup`).
    bounds_itself: ClassVar[bool] = False

    @abstractmethod
    def check(self) -> str | None:
        """Cheap prerequisites (binary present, engine answering): None, or why not."""

    @abstractmethod
    def launch(self, config: dict[str, Any], *, memory_mb: int = 512) -> Launch:
        """How to start a sandbox running the runner.

        :param config: the runner's mode settings; the backend adds where the scratch dir
            is and what the sandbox allows (pid namespace, uid switching).
        :param memory_mb: the runs' memory limit (docker sizes its container by it).
        """

    def kill(self, process: subprocess.Popen, launch: Launch) -> None:
        """Kill a sandbox and everything in it, and reap it.

        :param process: the started command (leader of its own process group).
        :param launch: what started it.
        """
        kill_group(process.pid)
        process.wait()

    def decode_returncode(self, returncode: int) -> tuple[int | None, int | None]:
        """Split the sandbox command's return code into (exit status, signal).

        :param returncode: from ``Popen.returncode``.
        """
        if returncode < 0:
            return None, -returncode
        return returncode, None


def kill_group(pgid: int) -> None:
    """SIGKILL a process group; nothing happens when it is already gone.

    :param pgid: the group's id (its leader's pid).
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
