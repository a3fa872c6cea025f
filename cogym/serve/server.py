"""An OpenAI-compatible HTTP server over any :class:`Backend`: what ``cogym serve`` runs.

Endpoints: ``GET /v1/models``, ``GET /health`` and ``POST /v1/chat/completions`` (no
streaming), with OpenAI's JSON shapes and error objects. Besides OpenAI's fields, chat
requests take vLLM's extensions ``return_tokens_as_token_ids`` (log-prob entries name their
token as ``"token_id:<id>"``) and ``return_token_ids`` (the reply adds ``prompt_token_ids``
and each choice's ``token_ids``), so clients can train token-in/token-out.

It is built on the standard library: a thread per connection parses and answers, and one
worker thread runs the backend. Requests with equal sampling params that arrive within a few
milliseconds of each other are generated in one ``backend.generate`` call.
"""

from __future__ import annotations

import json
import logging
import socketserver
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from cogym.agents.backends.base import Backend
from cogym.core.errors import CogymError, InvalidArgumentError
from cogym.serve.batching import MicroBatcher, ServerBusyError
from cogym.serve.protocol import (
    MAX_BODY_BYTES,
    MAX_DISCARD_BYTES,
    ApiError,
    chat_response,
    parse_chat_request,
)

logger = logging.getLogger(__name__)


# -- the application -----------------------------------------------------------------------


class ChatApp:
    """The server's logic, apart from HTTP: routes a request to a JSON reply.

    :param backend: generates the completions.
    :param model_name: the model id clients see and must send.
    :param max_new_tokens_limit: the most tokens one completion may ask for.
    :param batcher: the micro-batcher that runs the backend.
    """

    def __init__(
        self, backend: Backend, model_name: str, max_new_tokens_limit: int, batcher: MicroBatcher
    ) -> None:
        self.backend = backend
        self.model_name = model_name
        self.max_new_tokens_limit = max_new_tokens_limit
        self.batcher = batcher
        self.routes: dict[str, tuple[str, Callable[[bytes], dict[str, Any]]]] = {
            "/v1/models": ("GET", self.models),
            "/health": ("GET", self.health),
            "/v1/chat/completions": ("POST", self.chat_completions),
        }

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Answer one request with ``(status, JSON object)``; never raises.

        :param method: the HTTP method.
        :param path: the request path (a query string is ignored).
        :param body: the raw request body.
        """
        try:
            return 200, self._route(method, path)(body)
        except ApiError as error:
            return error.status, error.body()
        except ServerBusyError as error:
            return 503, ApiError(503, str(error), kind="server_error", code="busy").body()
        except InvalidArgumentError as error:
            return 400, ApiError(400, str(error)).body()
        except Exception as error:
            logger.exception("%s %s failed", method, path)
            message = f"generation failed: {type(error).__name__}: {error}"
            return 500, ApiError(500, message, kind="server_error").body()

    def _route(self, method: str, path: str) -> Callable[[bytes], dict[str, Any]]:
        path = urlsplit(path).path.rstrip("/") or "/"
        if path not in self.routes:
            known = ", ".join(f"{m} {p}" for p, (m, _) in self.routes.items())
            raise ApiError(404, f"no endpoint {path}; this server offers {known}", code="not_found")
        allowed, function = self.routes[path]
        if method != allowed:
            raise ApiError(405, f"{path} takes {allowed}, not {method}", code="method_not_allowed")
        return function

    def models(self, body: bytes) -> dict[str, Any]:
        """``GET /v1/models``: the one served model."""
        model = {"id": self.model_name, "object": "model", "owned_by": "cogym"}
        return {"object": "list", "data": [model]}

    def health(self, body: bytes) -> dict[str, Any]:
        """``GET /health``: ok, with the number of queued requests."""
        return {"status": "ok", "queued": self.batcher.queued}

    def chat_completions(self, body: bytes) -> dict[str, Any]:
        """``POST /v1/chat/completions``."""
        request = parse_chat_request(_json_object(body), self.model_name, self.max_new_tokens_limit)
        future = self.batcher.submit([request.conversation] * request.n, request.params)
        completions = future.result()
        prompt_tokens = len(completions[0].prompt_token_ids) or self.backend.count_tokens(
            request.conversation
        )
        return chat_response(request, completions, self.model_name, self._token_text, prompt_tokens)

    def _token_text(self, token: int) -> str:
        tokenizer = getattr(self.backend, "tokenizer", None)
        return tokenizer.decode([token]) if tokenizer is not None else f"token_id:{token}"

    def close(self) -> None:
        """Stop the batcher."""
        self.batcher.close()


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(400, f"the request body is not valid JSON ({error})") from error
    if not isinstance(value, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return value


# -- HTTP ----------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """Reads a request, asks the server's :class:`ChatApp`, writes its JSON reply."""

    server: CogymServer
    protocol_version = "HTTP/1.1"
    server_version = "cogym"
    timeout = 60  # seconds a silent client may hold a connection

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def do_PUT(self) -> None:
        self._answer("PUT")

    def do_DELETE(self) -> None:
        self._answer("DELETE")

    def do_PATCH(self) -> None:
        self._answer("PATCH")

    def _answer(self, method: str) -> None:
        try:
            body = self._read_body()
        except ApiError as error:
            self._send_json(error.status, error.body())
            return
        status, reply = self.server.app.handle(method, self.path, body)
        self._send_json(status, reply)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise ApiError(411, "send the body with a Content-Length header, not chunked")
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit():
            self.close_connection = True
            raise ApiError(400, f"Content-Length must be a non-negative integer, got {length!r}")
        if int(length) > MAX_BODY_BYTES:
            self._discard(int(length))
            raise ApiError(
                413,
                f"the body has {length} bytes; at most {MAX_BODY_BYTES} are accepted",
                code="request_too_large",
            )
        return self.rfile.read(int(length))

    def _discard(self, length: int) -> None:
        """Read and drop a refused body, so that the client gets the reply, not a reset."""
        if length > MAX_DISCARD_BYTES:
            self.close_connection = True  # the unread body would garble the next request
            return
        while length > 0 and (chunk := self.rfile.read(min(length, 2**16))):
            length -= len(chunk)

    def _send_json(self, status: int, reply: dict[str, Any]) -> None:
        data = json.dumps(reply, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("the client left before its reply")
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


class CogymServer(ThreadingHTTPServer):
    """The listening server. Run it with :meth:`serve_forever`, or :meth:`start` it in a
    background thread; :meth:`close` (or leaving a ``with`` block) stops it.

    :param app: the logic that answers requests.
    :param host: the address to listen on.
    :param port: the port; 0 picks a free one.
    """

    daemon_threads = True

    def __init__(self, app: ChatApp, host: str, port: int) -> None:
        self.app = app
        self._serving = False
        self._thread: threading.Thread | None = None
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host's name up in DNS, which can stall offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def url(self) -> str:
        """The OpenAI base URL, e.g. ``http://127.0.0.1:8000/v1``."""
        host, port = self.server_address[:2]
        host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        return f"http://{host}:{port}/v1"

    @property
    def model_name(self) -> str:
        """The served model's id."""
        return self.app.model_name

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._serving = True
        try:
            super().serve_forever(poll_interval)
        finally:
            self._serving = False

    def start(self) -> CogymServer:
        """Serve from a daemon thread and return the server, e.g.
        ``with make_server(backend, port=0).start() as server: ...``."""
        if self._thread is not None:
            raise CogymError("the server is already started")
        self._serving = True  # so that a close() right after start() still shuts it down
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, close the socket and the batcher (the backend stays open)."""
        if self._serving:
            self.shutdown()
        if self._thread is not None:
            self._thread.join()
        self.server_close()
        self.app.close()

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_server(
    backend: Backend,
    host: str = "127.0.0.1",
    port: int = 8000,
    model_name: str | None = None,
    max_new_tokens_limit: int = 4096,
    *,
    batch_window_s: float = 0.005,
    max_batch_size: int = 64,
    max_queued: int = 256,
) -> CogymServer:
    """Make an OpenAI-compatible server over ``backend``, listening but not yet serving.

    :param backend: generates completions; the server never closes it.
    :param host: the address to listen on; ``0.0.0.0`` exposes it to the network.
    :param port: the port; 0 picks a free one (see ``server.url``).
    :param model_name: the model id clients see and send; default ``backend.name``.
    :param max_new_tokens_limit: the most tokens a request may ask for, and the default.
    :param batch_window_s: how long to wait for concurrent requests to batch together.
    :param max_batch_size: the most conversations generated in one backend call.
    :param max_queued: the most requests waiting; more get 503.
    :raises CogymError: when the address cannot be bound.
    """
    if not isinstance(max_new_tokens_limit, int) or max_new_tokens_limit < 1:
        raise InvalidArgumentError(
            f"max_new_tokens_limit must be an int >= 1, got {max_new_tokens_limit!r}"
        )
    if batch_window_s < 0 or max_batch_size < 1 or max_queued < 1:
        raise InvalidArgumentError(
            "batch_window_s must be >= 0 and max_batch_size, max_queued >= 1; got "
            f"{batch_window_s}, {max_batch_size}, {max_queued}"
        )
    batcher = MicroBatcher(backend, batch_window_s, max_batch_size, max_queued)
    app = ChatApp(backend, model_name or backend.name, max_new_tokens_limit, batcher)
    try:
        return CogymServer(app, host, port)
    except OSError as error:
        app.close()
        raise CogymError(
            f"cannot listen on {host}:{port} ({error.strerror or error}); "
            "pass another port, or 0 for a free one"
        ) from error


def serve(
    backend: Backend, host: str = "127.0.0.1", port: int = 8000, model_name: str | None = None
) -> None:
    """Serve ``backend`` until Ctrl-C, printing the URL to pass to OpenAI clients.

    :param backend: generates completions; the caller closes it afterwards.
    :param host: the address to listen on.
    :param port: the port; 0 picks a free one.
    :param model_name: the model id clients see and send; default ``backend.name``.
    """
    with make_server(backend, host, port, model_name) as server:
        print(f"serving {server.model_name} at {server.url} (Ctrl-C stops)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopped", flush=True)
