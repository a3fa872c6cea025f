"""Run a program once in a fresh sandbox: :func:`run`, and many at once: :func:`run_many`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cogym.sandbox.backends import resolve
from cogym.sandbox.errors import SandboxError
from cogym.sandbox.job import Job
from cogym.sandbox.limits import MAX_WORKERS, Limits, check_workers
from cogym.sandbox.process import start_warm
from cogym.sandbox.result import ExecResult

#: The keyword arguments of :func:`run`, which each job of :func:`run_many` may give.
RUN_ARGS = ("code", "stdin", "files", "timeout_s", "memory_mb", "max_output_bytes", "backend")


def run(
    code: str,
    *,
    stdin: str | None = None,
    files: Mapping[str, str | bytes] | None = None,
    timeout_s: float = 10.0,
    memory_mb: int = 512,
    max_output_bytes: int = 65536,
    backend: str = "auto",
) -> ExecResult:
    """Run ``code`` as ``python3 main.py`` in a fresh sandbox and return what happened.

    The scratch dir (the working directory, the only writable place besides ``/tmp``)
    holds ``main.py`` and ``files``. When this returns, no process of the run is left.
    What the code does never raises: crashes, timeouts, limits and escape attempts are
    reported in the result.

    :param code: the program's Python source.
    :param stdin: text for its stdin (empty when None).
    :param files: relative path -> content (str or bytes), written into the scratch dir.
    :param timeout_s: wall-clock limit, counted once the sandbox has started.
    :param memory_mb: address-space limit per process, in MiB (at least 64, at most
        :func:`~cogym.sandbox.limits.max_memory_mb`); the sandbox's processes together
        hold at most this plus :data:`~cogym.sandbox.limits.RUNNER_MEMORY_MB`, and a run
        that passes that is killed and reported as ``"memory"``.
    :param max_output_bytes: bytes of stdout and of stderr kept; the run is killed past
        four times this (both together).
    :param backend: ``"auto"`` (bwrap, else docker), ``"bwrap"``, ``"docker"``, or
        ``"subprocess"``, which does NOT isolate and is never chosen by ``auto``.
    :raises SandboxError: for bad arguments, or when no backend can run it or its sandbox
        does not start.
    """
    limits = Limits(timeout_s=timeout_s, memory_mb=memory_mb, max_output_bytes=max_output_bytes)
    job = Job.create(code, stdin=stdin, files=files, limits=limits)
    sandbox = start_warm(resolve(backend), {"mode": "serve", "jobs": 1}, memory_mb)
    try:
        result, _ = sandbox.execute(job.encode(), limits)
    finally:
        sandbox.close()
    return result


def check_job(job: Mapping[str, Any], allowed: Sequence[str]) -> None:
    """Refuse a job of :func:`run_many` with keys that its run function does not take.

    :param job: the job's keyword arguments.
    :param allowed: the keys it may have.
    :raises SandboxError: for a non-mapping job or an unknown key.
    """
    if not isinstance(job, Mapping):
        raise SandboxError(f"each job must be a mapping of keyword arguments, got {job!r}")
    unknown = sorted(set(job) - set(allowed))
    if unknown:
        raise SandboxError(f"unknown job keys {unknown}; a job may give {', '.join(allowed)}")


def map_jobs(
    function: Callable[..., ExecResult],
    jobs: Sequence[Mapping[str, Any]],
    defaults: Mapping[str, Any],
    allowed: Sequence[str],
    workers: int,
) -> list[ExecResult]:
    """Call ``function(**defaults, **job)`` for each job on ``workers`` threads, in order.

    :param function: :func:`run` or a pool's ``run``.
    :param jobs: keyword arguments per call.
    :param defaults: keyword arguments shared by every call (a job overrides them).
    :param allowed: the keys a job or the defaults may give.
    :param workers: threads.
    """
    check_job(defaults, allowed)
    for job in jobs:
        check_job(job, allowed)
    merged = [{**defaults, **job} for job in jobs]
    for index, job in enumerate(merged):
        if "code" not in job:
            raise SandboxError(f"job {index} has no 'code'")
    if not merged:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(merged)))) as executor:
        return list(executor.map(lambda job: function(**job), merged))


def run_many(
    jobs: Sequence[Mapping[str, Any]], *, workers: int | None = None, **defaults: Any
) -> list[ExecResult]:
    """Run many programs, each with :func:`run`, several at a time.

    :param jobs: one mapping of :func:`run` keyword arguments per program (``code`` at least).
    :param workers: programs running at once, from 1 to
        :data:`~cogym.sandbox.limits.MAX_WORKERS`; the number of CPUs (at most that) when None.
    :param defaults: :func:`run` keyword arguments for every job that does not give them.
    :return: the results, in the order of ``jobs``.
    :raises SandboxError: for an unknown key or a job without code;
        :class:`~cogym.sandbox.errors.SandboxLimitError` for ``workers`` out of range.
    """
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
    return map_jobs(run, jobs, defaults, RUN_ARGS, check_workers(workers))
