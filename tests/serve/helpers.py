"""Shared pieces of the server tests: a gated backend, waiting, raw HTTP."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Sequence

from cogym.agents.backends.base import Completion, Conversation, SamplingParams, TokenizerBackend

TIMEOUT_S = 60  # only a broken server reaches it, however loaded the machine
HELLO = [{"role": "user", "content": "Using the numbers [3, 4], make 12."}]


def wait_until(condition: Callable[[], bool], timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class PermitBackend(TokenizerBackend):
    """A real tokenizer backend whose every generate call first takes a permit.

    The test hands out permits with :meth:`allow`, so it knows how many model calls ran
    and can hold the worker inside a call. It also counts prompt tokenisations.
    """

    def __init__(self, inner: TokenizerBackend) -> None:
        self.inner = inner
        self.name = "permits"
        self.tokenizer = inner.tokenizer
        self.model = inner.model  # the context length is read from it
        self.permits = threading.Semaphore(0)
        self.calls: list[list[int]] = []  # each call's prompt lengths
        self.encoded = 0
        self._lock = threading.Lock()

    def allow(self, calls: int = 1) -> None:
        self.permits.release(calls)

    def encode_prompt(self, conversation: Conversation) -> list[int]:
        with self._lock:
            self.encoded += 1
        return super().encode_prompt(conversation)

    def generate_from_ids(
        self,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        interrupt: Callable[[], bool] | None = None,
    ) -> list[Completion]:
        with self._lock:
            self.calls.append([len(prompt) for prompt in prompts])
        assert self.permits.acquire(timeout=TIMEOUT_S), "the test gave no permit"
        return self.inner.generate_from_ids(prompts, params, interrupt)

    @property
    def started(self) -> int:
        with self._lock:
            return len(self.calls)


def send_raw_request(url: str, body: dict, sock: socket.socket | None = None) -> socket.socket:
    """POST ``body`` to ``url`` (``http://host:port/path``) on a raw socket (a new one
    unless given) and return it, without reading the reply, so the test can close it
    mid-generation."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, port = host_port.split(":")
    data = json.dumps(body).encode()
    if sock is None:
        sock = socket.create_connection((host, int(port)), timeout=TIMEOUT_S)
    head = (
        f"POST /{path} HTTP/1.1\r\nHost: {host_port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    sock.sendall(head.encode() + data)
    return sock


def read_status(sock: socket.socket) -> int:
    """The status code of the reply that arrives on ``sock``."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"the server closed the connection after {data!r}"
        data += chunk
    return int(data.split(b" ", 2)[1])
