"""WebServer: a site served on 127.0.0.1 from a thread, with error pages and a clean close."""

from __future__ import annotations

import gc
import http.client
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from cogym.envs.web.server import (
    MAX_BODY_BYTES,
    Request,
    Response,
    WebServer,
    not_found,
)


class EchoSite:
    """Answers with what it was asked; ``/boom`` raises, ``/go`` redirects, others 404."""

    def __init__(self, name: str = "echo") -> None:
        self.name = name
        self.requests: list[Request] = []
        self.lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request)
        if request.path == "/boom":
            raise RuntimeError("the page exploded")
        if request.path == "/go":
            return Response(location="/landed")
        if request.path == "/bytes":
            return Response(body=b"\x89PNG", content_type="image/png")
        if request.path.startswith("/echo"):
            return Response(body=f"{self.name} {request.method} {request.path}")
        return not_found(request.path)


def fetch(
    server: WebServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict | None = None,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.fixture
def site() -> EchoSite:
    return EchoSite()


@pytest.fixture
def server(site: EchoSite) -> Iterator[WebServer]:
    server = WebServer(site)
    try:
        yield server
    finally:
        server.close()


def test_binds_localhost_on_a_free_port_and_serves_the_site(server: WebServer) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}"
    assert server.port > 0
    status, headers, body = fetch(server, "GET", "/echo/a%20b")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.decode() == "echo GET /echo/a b"


def test_query_and_form_are_parsed_with_blank_values_kept(
    server: WebServer, site: EchoSite
) -> None:
    fetch(server, "GET", "/echo?q=red+shirt&page=2&page=3&empty=")
    form = b"size=large&color=&note=caf%C3%A9"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = fetch(server, "POST", "/echo/buy?x=1", body=form, headers=headers)
    assert status == 200
    assert body.decode() == "echo POST /echo/buy"
    get, post = site.requests
    assert get == Request("GET", "/echo", {"q": ["red shirt"], "page": ["2", "3"], "empty": [""]})
    assert post.form == {"size": ["large"], "color": [""], "note": ["café"]}
    assert post.query == {"x": ["1"]}


def test_a_post_body_of_another_content_type_gives_an_empty_form(
    server: WebServer, site: EchoSite
) -> None:
    fetch(server, "POST", "/echo", body=b'{"a": 1}', headers={"Content-Type": "application/json"})
    assert site.requests[0].form == {}


def test_location_gives_a_303_redirect(server: WebServer) -> None:
    status, headers, _ = fetch(server, "GET", "/go")
    assert status == 303
    assert headers["Location"] == "/landed"


def test_bytes_bodies_keep_their_content_type(server: WebServer) -> None:
    status, headers, body = fetch(server, "GET", "/bytes")
    assert (status, headers["Content-Type"], body) == (200, "image/png", b"\x89PNG")


def test_unknown_path_gives_404_with_a_link_home(server: WebServer) -> None:
    status, _, body = fetch(server, "GET", "/nowhere")
    assert status == 404
    assert b"/nowhere" in body
    assert b"href='/'" in body


def test_site_exception_gives_500_and_the_server_keeps_serving(server: WebServer) -> None:
    status, _, body = fetch(server, "GET", "/boom")
    assert status == 500
    assert b"RuntimeError: the page exploded" in body
    assert fetch(server, "GET", "/echo")[0] == 200


def test_error_pages_escape_what_they_show(server: WebServer) -> None:
    _, _, body = fetch(server, "GET", "/%3Cscript%3Ealert(1)%3C/script%3E")
    assert b"<script>" not in body
    assert b"&lt;script&gt;" in body


def test_bodies_over_one_mib_get_413_and_the_site_never_sees_them(
    server: WebServer, site: EchoSite
) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = fetch(
        server, "POST", "/echo", body=b"a" * (MAX_BODY_BYTES + 1), headers=headers
    )
    assert status == 413
    assert str(MAX_BODY_BYTES).encode() in body
    assert site.requests == []
    status, _, _ = fetch(server, "POST", "/echo", body=b"a" * MAX_BODY_BYTES, headers=headers)
    assert status == 200
    assert site.requests[0].form == {"a" * MAX_BODY_BYTES: [""]}


def test_a_bad_content_length_gets_400(server: WebServer) -> None:
    status, _, _ = fetch(server, "POST", "/echo", headers={"Content-Length": "many"})
    assert status == 400


def test_serves_concurrent_requests_from_many_threads(server: WebServer, site: EchoSite) -> None:
    paths = [f"/echo/{i}" for i in range(160)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda path: fetch(server, "GET", path), paths))
    assert [(status, body.decode()) for status, _, body in answers] == [
        (200, f"echo GET {path}") for path in paths
    ]
    assert sorted(r.path for r in site.requests) == sorted(paths)


def test_writes_nothing_to_stderr(server: WebServer, capfd: pytest.CaptureFixture[str]) -> None:
    for path in ("/echo", "/nowhere", "/boom"):
        fetch(server, "GET", path)
    fetch(server, "PUT", "/echo")  # unsupported method: http.server's own 501 page
    assert capfd.readouterr().err == ""


def test_a_dropped_connection_prints_no_traceback(
    server: WebServer, capfd: pytest.CaptureFixture[str]
) -> None:
    # what socketserver does when a handler raises, e.g. BrokenPipeError when the browser
    # drops a request mid-load: by default it prints the traceback to stderr
    try:
        raise BrokenPipeError(32, "Broken pipe")
    except BrokenPipeError:
        server._httpd.handle_error(None, ("127.0.0.1", 1))
    assert capfd.readouterr().err == ""


def _server_threads(port: int) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"cogym-web-server-{port}"]


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_close_stops_the_thread_frees_the_port_and_is_idempotent(site: EchoSite) -> None:
    server = WebServer(site)
    port = server.port
    assert fetch(server, "GET", "/echo")[0] == 200
    assert len(_server_threads(port)) == 1
    server.close()
    server.close()
    assert server.closed
    assert _server_threads(port) == []
    assert _refused(port)
    with socket.socket() as again:  # a new listener can take the port (as WebServer would)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_garbage_collection_closes_a_forgotten_server() -> None:
    server = WebServer(EchoSite())
    port = server.port
    del server
    gc.collect()
    assert _server_threads(port) == []
    assert _refused(port)


def test_two_servers_serve_their_own_sites_on_different_ports() -> None:
    with WebServer(EchoSite("one")) as one, WebServer(EchoSite("two")) as two:
        assert one.port != two.port
        assert fetch(one, "GET", "/echo")[2] == b"one GET /echo"
        assert fetch(two, "GET", "/echo")[2] == b"two GET /echo"
        one.close()
        assert fetch(two, "GET", "/echo")[2] == b"two GET /echo"


def test_closing_in_a_forked_child_neither_hangs_nor_stops_the_parents_server(
    server: WebServer,
) -> None:
    pid = os.fork()
    if pid == 0:  # the child: no serving thread here; close() must return at once
        try:
            server.close()
            del server
            gc.collect()
        finally:
            os._exit(0)
    for _ in range(200):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("close() in a forked child hung")
    assert os.waitstatus_to_exitcode(status) == 0
    assert fetch(server, "GET", "/echo")[0] == 200
