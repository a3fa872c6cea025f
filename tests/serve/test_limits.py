"""The server refuses what it cannot hold at once, with OpenAI-style errors: prompts past the
context, oversized and malformed bodies, a full queue; and it answers many clients at once."""

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")
pytest.importorskip("uvicorn", reason="needs the serve extra: pip install 'cogym[serve]'")
httpx = pytest.importorskip("httpx", reason="needs the llm extra: pip install 'cogym[llm]'")

from cogym.core.errors import InvalidArgumentError  # noqa: E402
from cogym.serve import make_server  # noqa: E402
from tests.serve.helpers import (  # noqa: E402
    HELLO,
    TIMEOUT_S,
    PermitBackend,
    read_status,
    send_raw_request,
    wait_until,
)

CONTEXT = 4096  # the tiny model's max_position_embeddings


def prompt_of(tokens: int) -> list[dict]:
    """A conversation whose prompt is ``tokens`` tokens long for the tiny model."""
    return [{"role": "user", "content": " 7" * (tokens - 17)}]


@pytest.fixture
def counting(tiny_backend):
    backend = PermitBackend(tiny_backend)
    backend.allow(10**6)
    return backend


@pytest.fixture
def counted_server(counting):
    with make_server(counting, port=0, max_body_bytes=16 * 2**20).start() as server:
        yield server


def post(server, body: dict | None = None, content: bytes | None = None) -> httpx.Response:
    url = server.url + "/chat/completions"
    if content is not None:
        return httpx.post(url, content=content, timeout=TIMEOUT_S)
    return httpx.post(url, json=body, timeout=TIMEOUT_S)


def assert_openai_error(response, status: int, *words: str) -> None:
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    for word in words:
        assert word in error["message"]


def test_the_prompt_helper_counts_tokens(tiny_backend):
    assert len(tiny_backend.encode_prompt(prompt_of(100))) == 100


def test_a_prompt_longer_than_the_context_gets_400_before_generating(counted_server, counting):
    reply = post(counted_server, {"messages": prompt_of(CONTEXT + 20), "max_tokens": 4})
    assert_openai_error(reply, 400, "maximum context length is 4096", str(CONTEXT + 20))
    assert reply.json()["error"]["code"] == "context_length_exceeded"
    assert counting.started == 0  # the model never saw it
    assert post(counted_server, {"messages": HELLO, "max_tokens": 2}).status_code == 200


def test_a_7_mb_prompt_is_refused_by_its_size_without_tokenising(counted_server, counting):
    huge = [{"role": "user", "content": "3 + 4 = 7. " * 700_000}]
    reply = post(counted_server, {"messages": huge, "max_tokens": 4})
    assert_openai_error(reply, 400, "maximum context length", "bytes")
    assert counting.encoded == 0 and counting.started == 0


def test_a_body_over_the_default_limit_gets_413(tiny_backend):
    with make_server(tiny_backend, port=0).start() as server:
        huge = [{"role": "user", "content": "x" * (2 * 2**20)}]
        assert_openai_error(post(server, {"messages": huge}), 413, "bytes")
        assert post(server, {"messages": HELLO, "max_tokens": 2}).status_code == 200


def test_max_tokens_past_the_context_gets_400(counted_server, counting):
    reply = post(counted_server, {"messages": prompt_of(CONTEXT - 10), "max_tokens": 20})
    assert_openai_error(reply, 400, "maximum context length", f"{CONTEXT + 10} tokens")
    assert reply.json()["error"]["param"] == "max_tokens"
    assert counting.started == 0


def test_a_default_max_tokens_shrinks_to_the_room_left(counted_server):
    body = {"messages": prompt_of(CONTEXT - 3), "temperature": 0, "return_token_ids": True}
    reply = post(counted_server, body)
    assert reply.status_code == 200
    assert len(reply.json()["choices"][0]["token_ids"]) <= 3


def test_the_max_new_tokens_limit_is_the_default_and_the_ceiling(tiny_backend):
    with make_server(tiny_backend, port=0, max_new_tokens=5).start() as server:
        assert_openai_error(post(server, {"messages": HELLO, "max_tokens": 6}), 400, "1 to 5")
        reply = post(server, {"messages": HELLO, "temperature": 0, "return_token_ids": True})
        assert reply.status_code == 200
        assert len(reply.json()["choices"][0]["token_ids"]) <= 5


DEEP = 100_000


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[" * DEEP + b"]" * DEEP, ["nested too deeply"]),
        (b'{"messages": ' + b"[" * DEEP + b"]" * DEEP + b"}", ["nested too deeply"]),
        (b'{"messages": [], "n": ' + b"7" * 5000 + b"}", ["integer", "20 digits"]),
        (b'{"max_tokens": -' + b"9" * 5000 + b"}", ["integer"]),
        (b'{"temperature": NaN}', ["NaN"]),
        (b'{"temperature": Infinity}', ["Infinity"]),
        (b'{"messages": "hi"}', ["messages"]),
        (b'{"messages": [{"role": "user", "content": "hi"}], "n": "2"}', ["n must"]),
        (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": [1]}', ["temperature"]),
        (b'{"messages": [{"role": "user", "content": {"text": "hi"}}]}', ["content"]),
        (b'{"messages": [{"role": "user", "content": "hi"}], "stop": [1]}', ["stop"]),
        (b'{"messages": [["user", "hi"]]}', ["messages[0]"]),
        (b"\x00\x01binary", ["JSON"]),
    ],
)
def test_malformed_bodies_get_400_and_the_server_goes_on(counted_server, content, words):
    assert_openai_error(post(counted_server, content=content), 400, *words)
    assert post(counted_server, {"messages": HELLO, "max_tokens": 2}).status_code == 200


def test_sixty_four_concurrent_clients_are_all_answered(tiny_backend):
    with make_server(tiny_backend, port=0).start() as server:

        def ask(i: int) -> int:
            body = {"messages": [{"role": "user", "content": f"make {i}"}], "max_tokens": 4}
            with httpx.Client(timeout=TIMEOUT_S) as client:  # a connection of its own
                return client.post(server.url + "/chat/completions", json=body).status_code

        with ThreadPoolExecutor(64) as pool:
            statuses = list(pool.map(ask, range(64)))
        assert statuses == [200] * 64
        assert server.scheduler.stats.completed == 64


def test_sixty_four_clients_connecting_before_the_server_accepts_are_all_answered(tiny_backend):
    with make_server(tiny_backend, port=0) as server:  # listening, not yet serving
        address = server.server_address
        # Each connect completes in the kernel's accept queue; a listen backlog of 5 would
        # leave the later ones waiting for an accept that has not started.
        sockets = [socket.create_connection(address, timeout=TIMEOUT_S) for _ in range(64)]
        server.start()
        url = server.url + "/chat/completions"
        for sock in sockets:
            send_raw_request(url, {"messages": HELLO, "max_tokens": 2}, sock)
        assert [read_status(sock) for sock in sockets] == [200] * 64
        for sock in sockets:
            sock.close()


def test_a_full_queue_answers_503_at_once(tiny_backend):
    backend = PermitBackend(tiny_backend)
    server = make_server(backend, port=0, max_queued=2)
    with server.start(), ThreadPoolExecutor(2) as pool:
        held = [pool.submit(post, server, {"messages": HELLO, "max_tokens": 2})]
        wait_until(lambda: backend.started == 1)  # the worker is inside the first call
        held.append(pool.submit(post, server, {"messages": HELLO, "max_tokens": 3}))
        wait_until(lambda: server.scheduler.queued == 1)
        assert_openai_error(post(server, {"messages": HELLO}), 503, "busy", "--max-queued")
        assert server.scheduler.stats.rejected == 1
        backend.allow(10)
        assert [future.result().status_code for future in held] == [200, 200]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_new_tokens": 0},
        {"max_queued": 1.5},
        {"chunk_tokens": True},
        {"request_timeout_s": "5"},
        {"request_timeout_s": float("nan")},
        {"max_body_bytes": 10},
    ],
)
def test_limits_are_checked_when_the_server_is_made(tiny_backend, kwargs):
    with pytest.raises(InvalidArgumentError, match=next(iter(kwargs))):
        make_server(tiny_backend, port=0, **kwargs)
