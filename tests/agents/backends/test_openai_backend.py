import json
import re
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")
pytest.importorskip("httpx", reason="needs the llm extra: pip install 'cogym[llm]'")

from cogym.agents.backends.base import (
    Backend,
    Completion,
    Conversation,
    SamplingParams,
)
from cogym.agents.backends.openai_backend import (
    BackendError,
    OpenAIBackend,
    normalize_base_url,
)
from cogym.core.errors import CogymError, InvalidArgumentError
from cogym.serve import make_server

CONVERSATIONS = [
    [{"role": "user", "content": "Using the numbers [3, 4], make 12."}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
    [{"role": "user", "content": "Your expression 3 + 4 equals 7, not 12. Try again, twice."}],
    [{"role": "user", "content": "5"}],
    [{"role": "user", "content": "Using the numbers [9, 2], make 18."}],
]
# quick retries; requests keep a long timeout, so that a loaded machine never times one out
FAST = {"timeout_s": 60.0, "max_retries": 2, "backoff_s": 0.05}


@pytest.fixture(scope="module")
def server(tiny_backend):
    with make_server(tiny_backend, port=0, model_name="tiny").start() as server:
        yield server


@pytest.fixture
def remote(server) -> Iterator[OpenAIBackend]:
    with OpenAIBackend(server.url, timeout_s=30) as backend:
        yield backend


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_same_completion(remote: Completion, local: Completion) -> None:
    assert remote.text == local.text
    assert remote.token_ids == local.token_ids
    assert remote.logprobs == pytest.approx(local.logprobs, abs=1e-4)
    assert remote.finish_reason == local.finish_reason
    assert remote.prompt_token_ids == local.prompt_token_ids


def test_the_model_is_detected_from_the_server(remote):
    assert remote.model == remote.name == "tiny"


def test_greedy_output_equals_the_local_backend(remote, tiny_backend):
    params = SamplingParams(max_new_tokens=16)
    (completion,) = remote.generate(CONVERSATIONS[:1], params)
    assert completion.token_ids, "cogym serve returns token ids"
    assert_same_completion(completion, tiny_backend.generate(CONVERSATIONS[:1], params)[0])


def test_a_batch_keeps_its_order(remote, tiny_backend):
    params = SamplingParams(max_new_tokens=12)
    remote_completions = remote.generate(CONVERSATIONS, params)
    local_completions = [tiny_backend.generate([c], params)[0] for c in CONVERSATIONS]
    for got, expected in zip(remote_completions, local_completions, strict=True):
        assert_same_completion(got, expected)


def test_stop_strings_and_max_tokens_reach_the_server(remote, tiny_backend):
    full = tiny_backend.generate(CONVERSATIONS[:1], SamplingParams(max_new_tokens=24))[0]
    assert len(full.text) >= 6, "the tiny model should write a few characters"
    params = SamplingParams(max_new_tokens=24, stop=(full.text[3:6],))
    assert_same_completion(
        remote.generate(CONVERSATIONS[:1], params)[0],
        tiny_backend.generate(CONVERSATIONS[:1], params)[0],
    )
    short = remote.generate(CONVERSATIONS[:1], SamplingParams(max_new_tokens=2))[0]
    assert short.num_tokens <= 2


def test_seeded_sampling_is_reproducible_over_http(remote):
    params = SamplingParams(max_new_tokens=12, temperature=1.0, seed=11)
    first = [c.token_ids for c in remote.generate(CONVERSATIONS, params)]
    assert first == [c.token_ids for c in remote.generate(CONVERSATIONS, params)]


def test_an_explicit_model_needs_no_models_endpoint_and_a_wrong_one_fails_at_once(server):
    with OpenAIBackend(server.url, model="gpt-4o", backoff_s=5) as backend:
        assert backend.name == "gpt-4o"
        with pytest.raises(BackendError, match="404") as caught:
            backend.generate(CONVERSATIONS[:1], SamplingParams(max_new_tokens=2))
    assert "attempt" not in str(caught.value), "4xx replies are not retried"
    assert "'tiny'" in str(caught.value) and caught.value.status == 404


class CountingFailingBackend(Backend):
    name = "failing"

    def __init__(self) -> None:
        self.calls = 0

    def generate(
        self, conversations: Sequence[Conversation], params: SamplingParams
    ) -> list[Completion]:
        self.calls += 1
        raise RuntimeError("the GPU caught fire")


def test_a_500_is_retried_then_raised_with_the_servers_message():
    failing = CountingFailingBackend()
    with (
        make_server(failing, port=0).start() as server,
        OpenAIBackend(server.url, **FAST) as backend,
    ):
        start = time.monotonic()
        with pytest.raises(BackendError) as caught:
            backend.generate(CONVERSATIONS[:1], SamplingParams(max_new_tokens=2))
    message = str(caught.value)
    assert "500" in message and "the GPU caught fire" in message and "3 attempts" in message
    assert caught.value.status == 500
    assert failing.calls == 3
    backoff_s = FAST["backoff_s"]
    assert time.monotonic() - start >= backoff_s + 2 * backoff_s, "it backs off between attempts"


def test_a_silent_server_times_out_within_the_retries():
    with socket.socket() as silent:  # the kernel accepts connections; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        outcome: list[BaseException] = []

        def connect() -> None:
            try:
                OpenAIBackend(url, **{**FAST, "timeout_s": 0.5})
            except BaseException as error:
                outcome.append(error)

        start = time.monotonic()
        worker = threading.Thread(target=connect, daemon=True)  # so that a hang fails the test
        worker.start()
        worker.join(timeout=60)
        elapsed = time.monotonic() - start
    assert not worker.is_alive(), "the backend hung on a silent server"
    (error,) = outcome
    assert isinstance(error, BackendError)
    assert re.search(r"no reply from .* within 0.5 s .*3 attempts", str(error))
    assert elapsed >= 0.5 * 3, "each of the 3 attempts waits for its timeout"


def test_a_dead_port_fails_fast_with_a_connection_error():
    url = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    with pytest.raises(BackendError, match=r"could not connect to .*/v1: is the server running"):
        OpenAIBackend(url, **FAST)
    assert time.monotonic() - start < FAST["timeout_s"], "a refused connection is not waited out"


class OpenAILikeHandler(BaseHTTPRequestHandler):
    """Answers like the OpenAI API: rejects vLLM's extensions, names tokens by their text."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        extra = [key for key in body if key.startswith("return_token")]
        if extra:
            error = {"message": f"Unrecognized request argument supplied: {extra[0]}"}
            self._send(400, {"error": error})
            return
        entry = {"token": "Hi", "logprob": -0.5, "bytes": [72, 105], "top_logprobs": []}
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": "Hi"},
            "finish_reason": "stop",
            "logprobs": {"content": [entry]},
        }
        self._send(200, {"object": "chat.completion", "choices": [choice]})

    def _send(self, status: int, reply: dict) -> None:
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_server_without_the_extensions_gives_text_and_empty_token_lists():
    with ThreadingHTTPServer(("127.0.0.1", 0), OpenAILikeHandler) as openai_like:
        thread = threading.Thread(target=openai_like.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{openai_like.server_address[1]}/v1"
            with OpenAIBackend(url, model="gpt-4o-mini", **FAST) as backend:
                completions = backend.generate(CONVERSATIONS[:2], SamplingParams())
        finally:
            openai_like.shutdown()
            thread.join()
    for completion in completions:
        assert completion.text == "Hi" and completion.finish_reason == "stop"
        assert completion.token_ids == completion.logprobs == completion.prompt_token_ids == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1"),
        ("https://example.com/v1beta/openai", "https://example.com/v1beta/openai"),
    ],
)
def test_base_url_accepts_it_with_or_without_v1(given, expected):
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "127.0.0.1:8000"},
        {"timeout_s": 0},
        {"max_retries": -1},
        {"concurrency": 0},
        {"backoff_s": -1.0},
    ],
)
def test_bad_arguments_fail_early(kwargs):
    with pytest.raises(InvalidArgumentError):
        OpenAIBackend(**{"base_url": "http://127.0.0.1:1/v1", "model": "m", **kwargs})


def test_backend_error_is_a_cogym_error():
    assert issubclass(BackendError, CogymError)
