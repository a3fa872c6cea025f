"""One running sandbox: the runner, started by a backend, given requests and read back with caps.

Each sandbox is bounded as a whole: in a cgroup of its own where the host allows it
(:mod:`cogym.sandbox.cgroup`), whose out-of-memory kills end the run as ``"memory"``;
otherwise the runner watches the resident memory of the sandbox's processes and ends the
run as ``"memory"`` past the same bound (``config["watch_kb"]``, see
:mod:`cogym.sandbox.runner`). Backends whose engine bounds the sandbox itself (docker's
container, a little above that bound) get no host cgroup, only the watch, which reports
the run as ``"memory"`` before the engine's limit is reached.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import threading
import time
from typing import Any

from cogym.sandbox import cgroup, launcher
from cogym.sandbox.backends.base import Backend
from cogym.sandbox.errors import SandboxError
from cogym.sandbox.limits import NPROC, RUNNER_MEMORY_MB, RUNNER_PIDS, Limits
from cogym.sandbox.outcome import Exchange, build_result
from cogym.sandbox.output import StreamCapture
from cogym.sandbox.protocol import closing_frame, end_marker, new_nonce
from cogym.sandbox.result import ExecResult

CHUNK = 1 << 16
#: How long a sandbox may take to start and say hello.
START_TIMEOUT_S = 30.0
#: How long a sandbox may take to exit once its stdin is closed, before it is killed.
CLOSE_GRACE_S = 2.0
#: How often the host looks at a sandbox cgroup's out-of-memory count during a run.
OOM_CHECK_S = 0.05


class SandboxProcess:
    """A sandbox with the runner in it, in the mode ``config`` asks for.

    :param backend: the backend that starts it.
    :param config: the runner's mode settings (see :mod:`cogym.sandbox.runner`).
    :param memory_mb: the runs' memory limit per process; the sandbox as a whole may hold
        this plus :data:`~cogym.sandbox.limits.RUNNER_MEMORY_MB`.
    :raises SandboxError: when the backend's command cannot be started.
    """

    def __init__(self, backend: Backend, config: dict[str, Any], *, memory_mb: int = 512) -> None:
        self.backend = backend
        bound_mb = memory_mb + RUNNER_MEMORY_MB
        #: The sandbox's cgroup, or None where the runner's watch bounds it instead.
        self.cgroup: cgroup.Cgroup | None = None
        if not backend.bounds_itself:
            self.cgroup = cgroup.create(bound_mb, NPROC + RUNNER_PIDS)
        if self.cgroup is None:  # inside an engine's bound, the watch makes it "memory"
            config = {**config, "watch_kb": bound_mb * 1024}
        self._launch = backend.launch(config, memory_mb=memory_mb)
        self._lock = threading.Lock()
        self._closed = False
        argv = self._launch.argv if self.cgroup is None else self.cgroup.wrap(self._launch.argv)
        try:
            self._process = launcher.popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self._launch.env,
                cwd=self._launch.cwd,
                start_new_session=True,
                bufsize=0,
            )
        except OSError as error:
            self._launch.cleanup()
            if self.cgroup is not None:
                self.cgroup.remove()
            raise SandboxError(f"could not start the {backend.name} sandbox: {error}") from None
        for stream in (self._process.stdin, self._process.stdout, self._process.stderr):
            os.set_blocking(stream.fileno(), False)

    @property
    def alive(self) -> bool:
        """Whether the sandbox is still running and usable."""
        return not self._closed and self._process.poll() is None

    def wait_ready(self, nonce: str, timeout_s: float) -> None:
        """Wait for the runner's hello (the end markers of ``nonce``, sent once it is warm).

        :param nonce: the ``hello`` nonce of the runner's config.
        :param timeout_s: how long to wait.
        :raises SandboxError: when the sandbox does not come up; it is closed.
        """
        exchange = self._exchange(b"", nonce, Limits(timeout_s=timeout_s))
        if exchange.reason != "done":
            stderr, _ = exchange.stderr.text()
            self.close()
            raise SandboxError(
                f"the {self.backend.name} sandbox did not start ({exchange.reason}): "
                f"{stderr.strip()[-2000:] or 'no output'}"
            )

    def execute(self, request: bytes, limits: Limits) -> tuple[ExecResult, bool]:
        """Send one request (a job or a cell) and collect its result.

        The deadline and ``duration_s`` count from now. On a timeout, the output cap, an
        out-of-memory kill in the sandbox's cgroup or a dead runner, the whole sandbox is
        killed.

        :param request: the request's frame.
        :param limits: its limits.
        :return: the result, and whether this sandbox can take another request.
        """
        nonce = new_nonce()
        ooms = self.cgroup.oom_kills() if self.cgroup is not None else 0
        exchange = self._exchange(request + closing_frame(nonce), nonce, limits, ooms)
        if exchange.reason in ("done", "exited") and self._oom_since(ooms):
            exchange.reason = "memory"  # a process of the run died for want of memory
        decoded: tuple[int | None, int | None] = (None, None)
        if exchange.reason != "done":
            self.kill()
            returncode = self._process.returncode
            decoded = self.backend.decode_returncode(-9 if returncode is None else returncode)
        result = build_result(exchange, limits, self.backend.name, decoded)
        status = exchange.status or {}
        return result, bool(status.get("reusable")) and self.alive

    def _oom_since(self, ooms: int) -> bool:
        """Whether the out-of-memory killer fired in the cgroup since it counted ``ooms``."""
        return self.cgroup is not None and self.cgroup.oom_kills() > ooms

    def _exchange(self, payload: bytes, nonce: str, limits: Limits, ooms: int = 0) -> Exchange:
        """Write ``payload`` and read both streams to their end markers, with caps; stop
        when the cgroup's out-of-memory count passes ``ooms``."""
        started = time.perf_counter()
        next_check = started + OOM_CHECK_S
        deadline = started + limits.timeout_s
        marker = end_marker(nonce)
        captures = {
            self._process.stdout.fileno(): StreamCapture(
                limits.max_output_bytes, marker, with_status=True
            ),
            self._process.stderr.fileno(): StreamCapture(
                limits.max_output_bytes, marker, with_status=False
            ),
        }
        stdout, stderr = captures.values()
        view = memoryview(payload)
        stdin = self._process.stdin.fileno()
        reason = "done"
        with selectors.DefaultSelector() as selector:
            for fd in captures:
                selector.register(fd, selectors.EVENT_READ)
            if view:
                selector.register(stdin, selectors.EVENT_WRITE)
            while not (stdout.done and stderr.done):
                now = time.perf_counter()
                remaining = deadline - now
                if remaining <= 0:
                    reason = "timeout"
                    break
                if self.cgroup is not None and now >= next_check:
                    if self._oom_since(ooms):
                        reason = "memory"
                        break
                    next_check = now + OOM_CHECK_S
                if self.cgroup is not None:
                    remaining = min(remaining, max(next_check - now, 0.001))
                for key, _ in selector.select(remaining):
                    if key.fd == stdin:
                        view = self._write_some(view)
                        if not view:
                            selector.unregister(stdin)
                        continue
                    data = self._read_some(key.fd)
                    if data:
                        captures[key.fd].feed(data)
                    elif data is not None:
                        selector.unregister(key.fd)
                        captures[key.fd].closed = True
                if stdout.size + stderr.size > limits.output_hard_cap:
                    reason = "output_limit"
                    break
                if stdout.closed and stderr.closed and not (stdout.done and stderr.done):
                    reason = "exited"
                    break
        return Exchange(reason, stdout, stderr, time.perf_counter() - started)

    def _write_some(self, view: memoryview) -> memoryview:
        """Write what the pipe takes now; an empty view when done or the runner is gone."""
        try:
            return view[os.write(self._process.stdin.fileno(), view[:CHUNK]) :]
        except BlockingIOError:
            return view
        except OSError:  # the runner died; its output streams will end too
            return view[len(view) :]

    @staticmethod
    def _read_some(fd: int) -> bytes | None:
        """Read what is there: None when nothing is, b"" at end of file."""
        try:
            return os.read(fd, CHUNK)
        except BlockingIOError:
            return None
        except OSError:
            return b""

    def kill(self) -> None:
        """Kill the sandbox and everything in it (idempotent)."""
        with self._lock:
            if self._process.returncode is None:
                self.backend.kill(self._process, self._launch)

    def close(self) -> None:
        """Let the runner exit (its stdin closes), kill it if it does not, clean up."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        if self.backend.isolating:  # a private pid namespace ends with the runner
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=CLOSE_GRACE_S)
        self.kill()
        for stream in (self._process.stdout, self._process.stderr):
            stream.close()
        self._launch.cleanup()
        if self.cgroup is not None:  # kills what escaped the backend's kill, then removes it
            self.cgroup.remove()


def start_warm(
    backend: Backend, config: dict[str, Any], memory_mb: int, timeout_s: float = START_TIMEOUT_S
) -> SandboxProcess:
    """Start a sandbox whose runner says hello once warm, and wait for it.

    :param backend: the backend.
    :param config: the runner's mode settings, without ``hello``.
    :param memory_mb: the runs' memory limit.
    :param timeout_s: how long it may take to start.
    """
    nonce = new_nonce()
    sandbox = SandboxProcess(backend, {**config, "hello": nonce}, memory_mb=memory_mb)
    sandbox.wait_ready(nonce, timeout_s)
    return sandbox
