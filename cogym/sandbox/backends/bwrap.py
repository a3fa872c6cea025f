"""bubblewrap: fresh Linux namespaces, read-only system dirs and a private scratch tmpfs.

What a sandbox sees: ``/usr`` (and the ``/bin``, ``/lib*`` links or dirs next to it), a few
files of ``/etc``, the interpreter's installation (``sys.base_prefix``), a new ``/proc``
and a minimal ``/dev``, all read-only; the scratch dir ``/sandbox`` and ``/tmp``, two
small tmpfs that vanish with the sandbox, are the only writable places. Nothing else of
the host exists there: no ``/home``, no ``/root`` beyond the path to the interpreter, no
``/work``. The sandbox has its own network namespace (only a loopback device, so no
network and no DNS), pid, IPC and UTS namespaces, and a new session.

Run as root, bwrap sets the sandbox up with root's privileges and keeps only
``CAP_SETUID``/``CAP_SETGID`` for the runner, which gives each run a fresh unprivileged
uid of its own (no capabilities left). A user namespace would not do: its processes
would still be host root, for which the kernel never enforces ``RLIMIT_NPROC``, so a
fork bomb would go unchecked. Run as another user, bwrap needs unprivileged user
namespaces and the run keeps that user's uid inside a user namespace of its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import PurePosixPath
from typing import Any

from cogym.sandbox.backends.base import BASE_ENV, SCRATCH_DIR, Backend, Launch, kill_group
from cogym.sandbox.backends.interpreter import host_python, runner_command
from cogym.sandbox.limits import SCRATCH_MB

#: Each run (as root) gets a uid drawn from [UID_BASE, UID_BASE + UID_SPAN): no host
#: process has one, and RLIMIT_NPROC counts the processes of one run only.
UID_BASE = 1_500_000_000
UID_SPAN = 1 << 24
#: Entries of the host's /etc bound read-only, where present.
ETC_ENTRIES = ("alternatives", "hosts", "ld.so.cache", "localtime", "nsswitch.conf")
SYSTEM_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
INSTALL_HINT = "install it with: apt-get install bubblewrap"


def _under_usr(path: str) -> bool:
    return path == "/usr" or path.startswith("/usr/")


def namespace_args(privileged: bool) -> list[str]:
    """Namespaces, capabilities and session.

    :param privileged: whether bwrap runs as root.
    """
    if privileged:
        isolation = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        isolation += ["--unshare-cgroup-try", "--cap-drop", "ALL"]
        isolation += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        isolation = ["--unshare-all", "--unshare-user", "--disable-userns"]
    return [*isolation, "--die-with-parent", "--new-session", "--hostname", "sandbox"]


def mount_args(prefix: str) -> list[str]:
    """The sandbox's file system.

    :param prefix: the interpreter's installation, bound read-only.
    """
    args = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_DIRS:
        path = "/" + name
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    args += ["--perms", "0755", "--dir", "/etc"]
    for name in ETC_ENTRIES:
        path = "/etc/" + name
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    if not _under_usr(prefix):
        # bwrap would copy the host's modes for the dirs leading there (0700 for /root)
        for parent in reversed(PurePosixPath(prefix).parents[:-1]):
            args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", prefix, prefix]
    size = str(SCRATCH_MB * 1024 * 1024)
    args += ["--proc", "/proc", "--dev", "/dev"]
    for writable in (SCRATCH_DIR, "/tmp"):
        args += ["--perms", "1777", "--size", size, "--tmpfs", writable]
    return [*args, "--remount-ro", "/"]


def env_args(prefix: str) -> list[str]:
    """A cleared environment with only what Python needs.

    :param prefix: the interpreter's installation, whose ``bin`` comes first on PATH.
    """
    path = ["/usr/local/bin", "/usr/bin", "/bin"]
    if not _under_usr(prefix):
        path.insert(0, prefix + "/bin")
    args = ["--clearenv", "--setenv", "PATH", ":".join(path)]
    for name, value in BASE_ENV.items():
        args += ["--setenv", name, value]
    return args


def children_of(pid: int) -> list[int]:
    """The pids of a process's children (bwrap's child is the sandbox's init).

    :param pid: the parent.
    """
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        pass
    children = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                if int(handle.read().rsplit(b")", 1)[1].split()[1]) == pid:
                    children.append(int(name))
        except (OSError, ValueError, IndexError):
            continue
    return children


class BwrapBackend(Backend):
    """Runs the runner under bubblewrap (``bwrap``), the default where it works."""

    name = "bwrap"
    isolating = True

    def check(self) -> str | None:
        """None when a ``bwrap`` binary is on PATH, else why not."""
        if shutil.which("bwrap") is None:
            return f"bwrap is not on PATH; {INSTALL_HINT}"
        return None

    def launch(self, config: dict[str, Any], *, memory_mb: int = 512) -> Launch:
        """The bwrap command around the runner.

        :param config: the runner's mode settings.
        :param memory_mb: unused: the rlimits and the sandbox's cgroup (or the runner's
            watch) carry the memory limit.
        """
        python = host_python()
        privileged = os.geteuid() == 0
        config = {
            **config,
            "scratch": SCRATCH_DIR,
            "tmp": "/tmp",
            "pid_namespace": True,
            "private_ipc": True,
            "uids": [UID_BASE, UID_SPAN] if privileged else None,
        }
        argv = [
            shutil.which("bwrap") or "bwrap",
            *namespace_args(privileged),
            *mount_args(python.prefix),
            *env_args(python.prefix),
            "--chdir",
            SCRATCH_DIR,
            "--",
            *runner_command(python.executable, config, same_interpreter=True),
        ]
        return Launch(argv)

    def kill(self, process: subprocess.Popen, launch: Launch) -> None:
        """Kill the sandbox's init, which takes every process of its pid namespace along.

        bwrap then exits on its own; waiting for it means the namespace is gone.

        :param process: the bwrap command.
        :param launch: what started it.
        """
        inits = children_of(process.pid)
        for pid in inits:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if not inits:  # still setting up: no namespace yet
            kill_group(process.pid)
        try:
            process.wait(timeout=5)  # bwrap reaps the init before it exits
        except subprocess.TimeoutExpired:
            kill_group(process.pid)
            process.wait()
            _wait_until_gone(inits)

    def decode_returncode(self, returncode: int) -> tuple[int | None, int | None]:
        """bwrap exits with 128 + N when the sandboxed command died by signal N.

        :param returncode: bwrap's return code.
        """
        if returncode > 128:
            return None, returncode - 128
        return super().decode_returncode(returncode)


def _wait_until_gone(pids: list[int], timeout_s: float = 5.0) -> None:
    """Wait until each process has exited (a zombie or reaped)."""
    deadline = time.monotonic() + timeout_s
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                with open(f"/proc/{pid}/stat", "rb") as handle:
                    state = handle.read().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                break
            if state in (b"Z", b"X"):
                break
            time.sleep(0.001)
