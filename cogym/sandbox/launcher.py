"""Starts every sandbox process from one thread that lives as long as the interpreter.

bwrap's ``--die-with-parent`` (``PR_SET_PDEATHSIG``) kills a sandbox when the *thread*
that started it exits, not the process. Pool refills and :func:`~cogym.sandbox.run_many`
workers are short-lived threads, so sandboxes are started here instead: they then die
with the host process and not before.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from concurrent.futures import Future
from typing import Any

_requests: queue.SimpleQueue[tuple[list[str], dict[str, Any], Future]] = queue.SimpleQueue()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def _serve() -> None:
    while True:
        argv, kwargs, future = _requests.get()
        try:
            future.set_result(subprocess.Popen(argv, **kwargs))
        except BaseException as error:
            future.set_exception(error)


def popen(argv: list[str], **kwargs: Any) -> subprocess.Popen:
    """``subprocess.Popen(argv, **kwargs)``, run by the launcher thread.

    :param argv: the command.
    :param kwargs: Popen's keyword arguments.
    """
    global _thread
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_serve, name="cogym-sandbox-launcher", daemon=True)
            _thread.start()
    future: Future[subprocess.Popen] = Future()
    _requests.put((argv, kwargs, future))
    return future.result()
