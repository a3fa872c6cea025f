"""Warm sandboxes that serve many short runs fast, each run in a fresh process."""

from __future__ import annotations

import logging
import queue
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from cogym.core import forks
from cogym.sandbox.api import map_jobs
from cogym.sandbox.backends import resolve
from cogym.sandbox.errors import SandboxError
from cogym.sandbox.job import Job
from cogym.sandbox.limits import Limits, check_pool_size
from cogym.sandbox.process import START_TIMEOUT_S, SandboxProcess, start_warm
from cogym.sandbox.protocol import new_nonce
from cogym.sandbox.result import ExecResult

logger = logging.getLogger("cogym.sandbox")

#: How long :meth:`SandboxPool.run` waits for a free sandbox before giving up.
TAKE_TIMEOUT_S = 120.0
#: The keyword arguments of :meth:`SandboxPool.run`.
POOL_RUN_ARGS = ("code", "stdin", "files", "timeout_s")


class SandboxPool:
    """``size`` warm sandboxes; each :meth:`run` takes a free one.

    Inside each sandbox a warm runner forks a fresh child per run, so a run starts with
    a clean interpreter (nothing a previous run set or imported), an empty scratch dir
    and ``/tmp``, and no process of an earlier run alive. A sandbox whose run timed out,
    overflowed its output or could not be cleaned is killed and replaced in the
    background. Results mean the same as :func:`~cogym.sandbox.run`'s. Thread-safe, and
    fork-safe: a forked child (an ``AsyncVectorEnv`` worker given a shared pool) starts
    sandboxes of its own on its first run and never touches its parent's.

    :param size: sandboxes, i.e. runs at once: from 1 to
        :data:`~cogym.sandbox.limits.MAX_POOL_SIZE`.
    :param backend: ``"auto"``, ``"bwrap"``, ``"docker"`` or (not isolated) ``"subprocess"``.
    :param memory_mb: address-space limit per process of a run, in MiB.
    :param max_output_bytes: bytes of stdout and of stderr kept per run.
    :raises SandboxError: for bad arguments, or when the sandboxes cannot start.
    """

    def __init__(
        self,
        size: int = 2,
        *,
        backend: str = "auto",
        memory_mb: int = 512,
        max_output_bytes: int = 65536,
    ) -> None:
        check_pool_size(size)
        Limits(memory_mb=memory_mb, max_output_bytes=max_output_bytes)  # checks them
        self.size = size
        self.memory_mb = memory_mb
        self.max_output_bytes = max_output_bytes
        self.backend = resolve(backend)
        self._idle: queue.Queue[SandboxProcess | None] = queue.Queue()
        self._all: set[SandboxProcess] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._failure: SandboxError | None = None
        self._finalizer = weakref.finalize(self, SandboxPool._close_all, self._all, self._lock)
        self._unstarted = 0  # sandboxes to start on the next run (in a forked child)
        forks.register(self)
        try:
            for sandbox in self._start_many(size):
                self._idle.put(sandbox)
        except SandboxError:
            self.close()
            raise

    def after_fork_in_child(self) -> None:
        """In a forked child: leave the parent's sandboxes alone; start ``size`` new ones
        on the next run."""
        self._finalizer.detach()
        forks.keep_inherited(self._all, self._idle)
        self._idle = queue.Queue()
        self._all = set()
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, SandboxPool._close_all, self._all, self._lock)
        self._unstarted = 0 if self._closed else self.size

    def _config(self) -> dict[str, Any]:
        return {"mode": "serve", "jobs": None, "warm": True}

    def _start_many(self, count: int) -> list[SandboxProcess]:
        """Start ``count`` sandboxes at once and wait until all are warm."""
        nonces = [new_nonce() for _ in range(count)]
        started = []
        try:
            for nonce in nonces:
                config = {**self._config(), "hello": nonce}
                started.append(SandboxProcess(self.backend, config, memory_mb=self.memory_mb))
                self._track(started[-1])
            for sandbox, nonce in zip(started, nonces, strict=True):
                sandbox.wait_ready(nonce, START_TIMEOUT_S)
        except SandboxError:
            for sandbox in started:
                sandbox.close()
            raise
        return started

    def _track(self, sandbox: SandboxProcess) -> None:
        with self._lock:
            self._all.add(sandbox)

    def _retire(self, sandbox: SandboxProcess) -> None:
        """Close a used-up sandbox and start its replacement in the background."""
        sandbox.close()
        with self._lock:
            self._all.discard(sandbox)
            if self._closed:
                return
        threading.Thread(target=self._refill, name="cogym-sandbox-refill", daemon=True).start()

    def _refill(self) -> None:
        for attempt in range(3):
            try:
                sandbox = start_warm(self.backend, self._config(), self.memory_mb)
            except SandboxError as error:
                logger.warning("cogym.sandbox: could not start a pool sandbox: %s", error)
                self._failure = error
                time.sleep(0.5 * (attempt + 1))
                continue
            with self._lock:
                if not self._closed:
                    self._all.add(sandbox)
                    self._idle.put(sandbox)
                    return
            sandbox.close()
            return
        self._idle.put(None)  # wakes a waiting run, which reports the failure

    def _take(self) -> SandboxProcess:
        with self._lock:
            missing, self._unstarted = self._unstarted, 0
        if missing:
            for sandbox in self._start_many(missing):
                self._idle.put(sandbox)
        try:
            sandbox = self._idle.get(timeout=TAKE_TIMEOUT_S)
        except queue.Empty:
            raise SandboxError(f"no pool sandbox became free within {TAKE_TIMEOUT_S:g} s") from None
        if sandbox is None:  # a wake-up call: the pool closed, or cannot start sandboxes
            self._idle.put(None)
            if self._closed:
                raise SandboxError("this SandboxPool is closed; create a new one")
            raise SandboxError(f"the pool cannot start sandboxes: {self._failure}")
        return sandbox

    def run(
        self,
        code: str,
        *,
        stdin: str | None = None,
        files: Mapping[str, str | bytes] | None = None,
        timeout_s: float = 10.0,
    ) -> ExecResult:
        """Run ``code`` as ``python3 main.py`` in a warm sandbox; see :func:`~cogym.sandbox.run`.

        :param code: the program's Python source.
        :param stdin: text for its stdin.
        :param files: relative path -> content, written into the scratch dir.
        :param timeout_s: wall-clock limit, from handing the program over.
        :raises SandboxError: for bad arguments or a closed pool.
        """
        if self._closed:
            raise SandboxError("this SandboxPool is closed; create a new one")
        limits = Limits(
            timeout_s=timeout_s, memory_mb=self.memory_mb, max_output_bytes=self.max_output_bytes
        )
        job = Job.create(code, stdin=stdin, files=files, limits=limits)
        request = job.encode()
        sandbox = self._take()
        reusable = False
        try:
            result, reusable = sandbox.execute(request, limits)
        finally:
            if reusable and not self._closed:
                self._idle.put(sandbox)
            else:
                self._retire(sandbox)
        return result

    def run_many(self, jobs: Sequence[Mapping[str, Any]], **defaults: Any) -> list[ExecResult]:
        """Run many programs, ``size`` at a time.

        :param jobs: one mapping of :meth:`run` keyword arguments per program.
        :param defaults: :meth:`run` keyword arguments for jobs that do not give them.
        :return: the results, in the order of ``jobs``.
        """
        return map_jobs(self.run, jobs, defaults, POOL_RUN_ARGS, self.size)

    @staticmethod
    def _close_all(sandboxes: set[SandboxProcess], lock: threading.Lock) -> None:
        with lock:
            doomed = list(sandboxes)
            sandboxes.clear()
        for sandbox in doomed:
            sandbox.close()

    def close(self) -> None:
        """Stop every sandbox; later runs raise."""
        with self._lock:
            self._closed = True
        self._finalizer()
        self._idle.put(None)  # wakes runs waiting for a sandbox

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
