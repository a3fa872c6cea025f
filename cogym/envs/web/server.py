"""A small local web server for the web envs' sites: standard library only.

A :class:`WebServer` binds 127.0.0.1 on a free port and answers every request from a
daemon thread by asking its :class:`Site` for a :class:`Response`. A site never talks
HTTP: it gets a parsed :class:`Request` (path, query, form) and returns a page, a
redirect or an error page. The server turns a site's exception into a 500 page (and keeps
serving), refuses bodies over :data:`MAX_BODY_BYTES` with 413, and logs nothing.
"""

from __future__ import annotations

import html
import os
import threading
import weakref
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

#: The largest request body a site gets; larger ones are answered 413.
MAX_BODY_BYTES = 1024 * 1024
#: A refused body up to this size is read and dropped, so the client sees the 413
#: instead of a reset connection; a larger one is not read at all.
MAX_DRAINED_BYTES = 16 * 1024 * 1024
#: Seconds a connection may stay silent before its handler thread gives up on it.
SOCKET_TIMEOUT_S = 30.0
#: Connections the kernel queues before accept (http.server's default of 5 resets clients).
BACKLOG = 128
#: How often the serving loop checks for shutdown; bounds how long :meth:`WebServer.close` waits.
POLL_INTERVAL_S = 0.05
HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class Request:
    """One parsed request, as a :class:`Site` sees it.

    :param method: ``"GET"`` or ``"POST"``.
    :param path: the URL path without the query, percent-decoded, e.g. ``"/search"``.
    :param query: the query string parsed by ``parse_qs`` (blank values kept).
    :param form: an ``application/x-www-form-urlencoded`` POST body parsed the same
        way; ``{}`` for a GET or another content type.
    """

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    form: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Response:
    """What a :class:`Site` answers.

    :param body: the page; a ``str`` is sent as UTF-8.
    :param status: the HTTP status code.
    :param content_type: the ``Content-Type`` header.
    :param location: when set, the answer is a 303 redirect to this path instead.
    """

    body: str | bytes = ""
    status: int = 200
    content_type: str = HTML_TYPE
    location: str | None = None


class Site(Protocol):
    """A web app served by :class:`WebServer`: one request in, one response out.

    ``handle`` is called from several threads at once; a site guards its own state.
    """

    def handle(self, request: Request) -> Response: ...


def error_page(status: int, title: str, message: str) -> Response:
    """A plain HTML error page with a link to the start page ``/``.

    :param status: the HTTP status code.
    :param title: the page heading, e.g. ``"Not found"``.
    :param message: one line saying what went wrong; it is escaped here.
    """
    body = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
        "<p><a href='/'>Back to the start page</a></p></body></html>"
    )
    return Response(body=body, status=status)


def not_found(path: str) -> Response:
    """The 404 page for ``path``, with a link to ``/``; sites answer unknown paths with it."""
    return error_page(404, "Not found", f"There is no page at {path}.")


def _parse_form(body: bytes, content_type: str) -> dict[str, list[str]]:
    if content_type.split(";", 1)[0].strip().lower() != "application/x-www-form-urlencoded":
        return {}
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP into :class:`Request` / :class:`Response`; one instance per request."""

    server: _HTTPServer
    # HTTP/1.0: every connection closes after its response, so no handler thread
    # outlives a request and close() leaves no connection open.
    protocol_version = "HTTP/1.0"
    timeout = SOCKET_TIMEOUT_S

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing: the envs report through observations and info, not stderr."""

    def do_GET(self) -> None:
        """Answer a GET."""
        self._answer(b"")

    def do_POST(self) -> None:
        """Answer a POST after reading its body (413 when it is too large)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._send(error_page(400, "Bad request", "The Content-Length header is not a number."))
            return
        if length < 0:
            self._send(error_page(400, "Bad request", "The Content-Length header is negative."))
            return
        if length > MAX_BODY_BYTES:
            if length <= MAX_DRAINED_BYTES:
                self._drain(length)
            message = f"The request body has {length} bytes; the limit is {MAX_BODY_BYTES}."
            self._send(error_page(413, "Request too large", message))
            return
        self._answer(self.rfile.read(length))

    def _drain(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, 65536))
            if not chunk:
                return
            length -= len(chunk)

    def _answer(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=unquote(parts.path) or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            form=_parse_form(body, self.headers.get("Content-Type", "")) if body else {},
        )
        try:
            response = self.server.site.handle(request)
        except Exception as error:  # a broken page must not take the server down
            message = f"The page {request.path} failed: {type(error).__name__}: {error}"
            response = error_page(500, "Server error", message[:300])
        self._send(response)

    def _send(self, response: Response) -> None:
        body = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
        status = 303 if response.location is not None else response.status
        self.send_response(status)
        if response.location is not None:
            self.send_header("Location", response.location)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = BACKLOG

    def __init__(self, site: Site) -> None:
        self.site = site
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet: a browser that drops a request mid-load (a broken pipe) is normal."""


def _shut_down(httpd: _HTTPServer, thread: threading.Thread, owner_pid: int) -> None:
    if os.getpid() != owner_pid:
        # A forked child has the socket but not the serving thread: shutdown() would
        # wait forever for it, and the socket is the parent's to close.
        return
    httpd.shutdown()
    httpd.server_close()
    thread.join()


class WebServer:
    """Serves one :class:`Site` on ``http://127.0.0.1:<free port>`` from a daemon thread.

    It starts serving in ``__init__``; :meth:`close` (or garbage collection) stops the
    thread and frees the port. In a forked child, which has no serving thread, ``close``
    does nothing: the server is the parent's.

    :param site: the app that answers every request.
    """

    def __init__(self, site: Site) -> None:
        self.site = site
        self._httpd = _HTTPServer(site)
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            name=f"cogym-web-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._close = weakref.finalize(self, _shut_down, self._httpd, self._thread, os.getpid())

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run."""
        return not self._close.alive

    def close(self) -> None:
        """Stop serving, free the port and join the thread; calling it again does nothing."""
        self._close()

    def __enter__(self) -> WebServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "serving"
        return f"WebServer({self.base_url}, {state})"
