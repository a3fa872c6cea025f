"""The listening server that ``cogym serve`` runs: uvicorn over :mod:`cogym.serve.app`.

:func:`make_server` binds the socket at once (a busy port fails there, with a clear error);
:meth:`CogymServer.serve_forever` serves until Ctrl-C or SIGTERM, and
:meth:`CogymServer.start` serves from a background thread (tests, notebooks). On shutdown
every queued and generating request is answered 503 at once and the worker stops after its
current chunk, so the process exits cleanly.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

from cogym.agents.backends.base import Backend
from cogym.core.errors import CogymError
from cogym.serve.app import ChatService
from cogym.serve.batching import Scheduler
from cogym.serve.limits import ServeLimits

logger = logging.getLogger(__name__)

BACKLOG = 2048  # connections the kernel holds before accept; http.server's 5 reset clients
GRACEFUL_SHUTDOWN_S = 10


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, which also cancels in-flight work when it starts to shut down."""

    def __init__(self, config: uvicorn.Config, scheduler: Scheduler) -> None:
        super().__init__(config)
        self.scheduler = scheduler

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.scheduler.close(wait=False)  # waiting requests get 503 now, not after the queue
        await super().shutdown(sockets)


class CogymServer:
    """A bound server. Run it with :meth:`serve_forever`, or :meth:`start` it in a
    background thread; :meth:`close` (or leaving a ``with`` block) stops it.

    :param service: the logic that answers requests.
    :param sock: the listening socket.
    """

    def __init__(self, service: ChatService, sock: socket.socket) -> None:
        self.app = service
        self.scheduler = service.scheduler
        self.socket = sock
        config = uvicorn.Config(
            service.asgi_app(),
            lifespan="off",
            log_config=None,
            access_log=False,
            backlog=BACKLOG,
            limit_concurrency=service.limits.max_queued + 64,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        )
        self._uvicorn = _Uvicorn(config, self.scheduler)
        self._thread: threading.Thread | None = None

    @property
    def server_address(self) -> tuple[str, int]:
        """The bound ``(host, port)``."""
        host, port = self.socket.getsockname()[:2]
        return host, port

    @property
    def url(self) -> str:
        """The OpenAI base URL, e.g. ``http://127.0.0.1:8000/v1``."""
        host, port = self.server_address
        host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        return f"http://{host}:{port}/v1"

    @property
    def model_name(self) -> str:
        """The served model's id."""
        return self.app.model_name

    def serve_forever(self) -> None:
        """Serve until Ctrl-C or SIGTERM (from the main thread) or :meth:`close`.

        :raises KeyboardInterrupt: after a clean shutdown on Ctrl-C.
        """
        self._uvicorn.run(sockets=[self.socket])

    def start(self) -> CogymServer:
        """Serve from a daemon thread and return the server, e.g.
        ``with make_server(backend, port=0).start() as server: ...``."""
        if self._thread is not None:
            raise CogymError("the server is already started")
        self._thread = threading.Thread(target=self.serve_forever, name="cogym-serve", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving: answer in-flight requests 503, stop the worker, close the socket
        (the backend stays open)."""
        self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join()
        self.scheduler.close(wait=True)
        self.socket.close()

    def __enter__(self) -> CogymServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_server(
    backend: Backend,
    host: str = "127.0.0.1",
    port: int = 8000,
    model_name: str | None = None,
    limits: ServeLimits | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    **limit_kwargs: Any,
) -> CogymServer:
    """Make an OpenAI-compatible server over ``backend``, listening but not yet serving.

    :param backend: generates completions; the server never closes it.
    :param host: the address to listen on; ``0.0.0.0`` exposes it to the network.
    :param port: the port; 0 picks a free one (see ``server.url``).
    :param model_name: the model id clients see and send; default ``backend.name``.
    :param limits: the server's limits (see :class:`ServeLimits`).
    :param clock: the monotonic clock that request deadlines are read from.
    :param limit_kwargs: or the limits' fields one by one, e.g. ``max_new_tokens=512``.
    :raises CogymError: when the address cannot be bound.
    """
    if limits is not None and limit_kwargs:
        raise CogymError("pass limits= or the limits' fields as keywords, not both")
    limits = limits or ServeLimits(**limit_kwargs)
    sock = _bind(host, port)
    scheduler = Scheduler(backend, limits, clock)
    service = ChatService(backend, model_name or backend.name, limits, scheduler)
    return CogymServer(service, sock)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.create_server((host, port), family=family, backlog=BACKLOG)
    except OSError as error:
        raise CogymError(
            f"cannot listen on {host}:{port} ({error.strerror or error}); "
            "pass another port, or 0 for a free one"
        ) from error
    sock.setblocking(False)
    return sock


def serve(
    backend: Backend,
    host: str = "127.0.0.1",
    port: int = 8000,
    model_name: str | None = None,
    limits: ServeLimits | None = None,
) -> None:
    """Serve ``backend`` until Ctrl-C, printing the URL to pass to OpenAI clients.

    Ctrl-C answers in-flight requests 503, stops generating and returns normally.

    :param backend: generates completions; the caller closes it afterwards.
    :param host: the address to listen on.
    :param port: the port; 0 picks a free one.
    :param model_name: the model id clients see and send; default ``backend.name``.
    :param limits: the server's limits (see :class:`ServeLimits`).
    """
    with make_server(backend, host, port, model_name, limits) as server:
        print(f"serving {server.model_name} at {server.url} (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises it once shut down
            server.serve_forever()
        print("stopped", flush=True)
