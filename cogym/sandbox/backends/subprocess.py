"""A plain child process with rlimits: NOT isolated, for trusted code and for comparison.

The code runs as the host user (root, if cogym runs as root), sees and may change the
whole file system, reaches the network, and a child that calls ``setsid`` escapes the
kill at the end of the run (where the host gives the sandbox a cgroup, it dies when the
sandbox closes). Its scratch dir is a temporary dir on the host, removed afterwards.
``RLIMIT_NPROC`` does not bind root (the cgroup's process limit does). It is only used
when asked for by name.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import Any

from cogym.sandbox.backends.base import BASE_ENV, Backend, Launch
from cogym.sandbox.backends.interpreter import host_python, runner_command

logger = logging.getLogger("cogym.sandbox")


class SubprocessBackend(Backend):
    """Runs the runner as a plain subprocess in a temporary dir (no isolation)."""

    name = "subprocess"
    isolating = False
    _warned = False

    def check(self) -> str | None:
        """Always usable."""
        return None

    def launch(self, config: dict[str, Any], *, memory_mb: int = 512) -> Launch:
        """The runner command, in a fresh temporary scratch dir.

        :param config: the runner's mode settings.
        :param memory_mb: unused: the rlimits and the sandbox's cgroup (or the runner's
            watch) carry the memory limit.
        """
        if not SubprocessBackend._warned:
            SubprocessBackend._warned = True
            logger.warning("cogym.sandbox: backend 'subprocess' runs code WITHOUT isolation")
        python = host_python()
        scratch = tempfile.mkdtemp(prefix="cogym-sandbox-")
        config = {
            **config,
            "scratch": scratch,
            "tmp": None,
            "pid_namespace": False,
            "private_ipc": False,
            "uids": None,
        }
        env = {**BASE_ENV, "HOME": scratch, "TMPDIR": scratch}
        env["PATH"] = os.pathsep.join([os.path.dirname(python.executable), "/usr/bin", "/bin"])
        return Launch(
            runner_command(python.executable, config, same_interpreter=True),
            env=env,
            cwd=scratch,
            cleanup=lambda: shutil.rmtree(scratch, ignore_errors=True),
        )
