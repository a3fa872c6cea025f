"""The server's worker is shared fairly and lets go: a client that leaves stops its
generation, a request past its time limit stops with 504, a long request does not hold
back a short one. Each test holds the worker inside a model call with permits, so what it
checks does not depend on timing."""

from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")
pytest.importorskip("uvicorn", reason="needs the serve extra: pip install 'cogym[serve]'")
httpx = pytest.importorskip("httpx", reason="needs the llm extra: pip install 'cogym[llm]'")

from cogym.agents.backends.base import SamplingParams  # noqa: E402
from cogym.serve import make_server  # noqa: E402
from tests.serve.helpers import (  # noqa: E402
    HELLO,
    TIMEOUT_S,
    PermitBackend,
    send_raw_request,
    wait_until,
)

LONG = {"messages": HELLO, "max_tokens": 400, "temperature": 0, "return_token_ids": True}


def post(server, body: dict) -> httpx.Response:
    return httpx.post(server.url + "/chat/completions", json=body, timeout=TIMEOUT_S)


def test_a_client_that_disconnects_stops_its_generation(tiny_backend):
    backend = PermitBackend(tiny_backend)
    with make_server(backend, port=0, chunk_tokens=4).start() as server:
        sock = send_raw_request(server.url + "/chat/completions", LONG)
        wait_until(lambda: backend.started == 1)  # held inside its first chunk
        sock.close()
        wait_until(lambda: server.app.disconnects == 1)
        backend.allow(1000)
        wait_until(lambda: server.scheduler.stats.cancelled == 1)
        assert backend.started == 1  # no chunk after the one it was in
        assert server.scheduler.stats.generated_tokens == 0  # its chunk stopped at once
        assert server.scheduler.running == 0
        assert post(server, {"messages": HELLO, "max_tokens": 2}).status_code == 200


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_request_past_its_time_limit_gets_504_and_stops_generating(tiny_backend):
    backend, clock = PermitBackend(tiny_backend), FakeClock()
    with make_server(
        backend, port=0, chunk_tokens=4, request_timeout_s=30, clock=clock
    ).start() as server:
        with ThreadPoolExecutor(1) as pool:
            reply = pool.submit(post, server, LONG)
            wait_until(lambda: backend.started == 1)
            clock.now = 31.0  # the first chunk took "31 s"
            backend.allow(1000)
            response = reply.result()
        assert response.status_code == 504
        error = response.json()["error"]
        assert error["code"] == "timeout" and "--request-timeout" in error["message"]
        assert backend.started == 1 and server.scheduler.stats.timed_out == 1
        clock.now = 100.0  # later requests have deadlines of their own
        assert post(server, {"messages": HELLO, "max_tokens": 2}).status_code == 200


def test_a_long_request_does_not_hold_back_a_short_one(tiny_backend):
    backend = PermitBackend(tiny_backend)
    server = make_server(backend, port=0, chunk_tokens=4)
    with server.start(), ThreadPoolExecutor(2) as pool:
        long = pool.submit(post, server, LONG)
        wait_until(lambda: backend.started == 1)
        short = pool.submit(post, server, {"messages": HELLO, "max_tokens": 4})
        wait_until(lambda: server.scheduler.queued == 1)
        backend.allow(2)  # the long request's first chunk, then the short one's turn
        assert short.result().status_code == 200
        wait_until(lambda: backend.started == 3)  # the long one's second chunk waits
        assert not long.done()
        backend.allow(1000)
        reply = long.result().json()
    expected = tiny_backend.generate([HELLO], SamplingParams(max_new_tokens=400))[0]
    assert reply["choices"][0]["token_ids"] == expected.token_ids  # chunking changes nothing
    assert reply["choices"][0]["message"]["content"] == expected.text


def test_a_model_call_holds_at_most_max_batch_size_completions(tiny_backend):
    backend = PermitBackend(tiny_backend)
    backend.allow(1000)
    with make_server(backend, port=0, max_batch_size=3, chunk_tokens=4).start() as server:
        body = {"messages": HELLO, "max_tokens": 8, "temperature": 0.5}
        with ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(lambda _: post(server, body).status_code, range(6)))
    assert statuses == [200] * 6
    assert backend.calls and max(len(call) for call in backend.calls) <= 3
