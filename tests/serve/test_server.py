import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")
httpx = pytest.importorskip("httpx", reason="needs the llm extra: pip install 'cogym[llm]'")

from cogym.agents.backends.base import (  # noqa: E402
    Backend,
    Completion,
    Conversation,
    SamplingParams,
)
from cogym.core.errors import CogymError  # noqa: E402
from cogym.serve import make_server  # noqa: E402

MODEL = "tiny"
TIMEOUT_S = 60  # only a broken server reaches it, however loaded the machine
HELLO = [{"role": "user", "content": "Using the numbers [3, 4], make 12."}]


@pytest.fixture(scope="module")
def server(tiny_backend):
    with make_server(tiny_backend, port=0, model_name=MODEL).start() as server:
        yield server


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=TIMEOUT_S) as client:
        yield client


def chat(client, **fields):
    return client.post("/chat/completions", json={"model": MODEL, "messages": HELLO, **fields})


def assert_openai_error(response, status: int, *words: str) -> None:
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    for word in words:
        assert word in error["message"]


def test_models_lists_the_served_model(client):
    reply = client.get("/models")
    assert reply.status_code == 200
    assert reply.json() == {
        "object": "list",
        "data": [{"id": MODEL, "object": "model", "owned_by": "cogym"}],
    }


def test_health_answers_200(server):
    reply = httpx.get(server.url.removesuffix("/v1") + "/health", timeout=TIMEOUT_S)
    assert reply.status_code == 200 and reply.json()["status"] == "ok"


def test_url_names_the_bound_port(server):
    assert server.url == f"http://127.0.0.1:{server.server_address[1]}/v1"


def test_chat_completion_has_the_openai_shape_and_usage(client, tiny_backend):
    reply = chat(client, max_tokens=8, temperature=0)
    assert reply.status_code == 200
    body = reply.json()
    assert body["object"] == "chat.completion" and body["model"] == MODEL
    assert body["id"].startswith("chatcmpl-") and isinstance(body["created"], int)
    (choice,) = body["choices"]
    assert choice["index"] == 0 and choice["logprobs"] is None
    assert choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str)
    assert choice["finish_reason"] in ("stop", "length")
    expected = tiny_backend.generate([HELLO], SamplingParams(max_new_tokens=8))[0]
    usage = body["usage"]
    assert usage["prompt_tokens"] == len(tiny_backend.encode_prompt(HELLO))
    assert usage["completion_tokens"] == expected.num_tokens
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_greedy_output_equals_the_backend_called_directly(client, tiny_backend):
    reply = chat(client, max_tokens=16, temperature=0, return_token_ids=True).json()
    expected = tiny_backend.generate([HELLO], SamplingParams(max_new_tokens=16))[0]
    choice = reply["choices"][0]
    assert choice["message"]["content"] == expected.text
    assert choice["token_ids"] == expected.token_ids
    assert choice["finish_reason"] == expected.finish_reason
    assert reply["prompt_token_ids"] == expected.prompt_token_ids


def test_logprobs_name_token_ids_when_asked(client, tiny_backend):
    reply = chat(
        client, max_tokens=12, temperature=0, logprobs=True, return_tokens_as_token_ids=True
    ).json()
    expected = tiny_backend.generate([HELLO], SamplingParams(max_new_tokens=12))[0]
    content = reply["choices"][0]["logprobs"]["content"]
    assert [entry["token"] for entry in content] == [f"token_id:{t}" for t in expected.token_ids]
    assert [entry["logprob"] for entry in content] == pytest.approx(expected.logprobs, abs=1e-4)
    assert all(entry["bytes"] is None and entry["top_logprobs"] == [] for entry in content)


def test_logprobs_name_token_texts_by_default(client, tiny_backend):
    reply = chat(client, max_tokens=6, temperature=0, logprobs=True).json()
    expected = tiny_backend.generate([HELLO], SamplingParams(max_new_tokens=6))[0]
    tokens = [entry["token"] for entry in reply["choices"][0]["logprobs"]["content"]]
    assert tokens == [tiny_backend.tokenizer.decode([t]) for t in expected.token_ids]


def test_n_gives_n_sampled_choices(client):
    reply = chat(client, max_tokens=12, temperature=1.0, seed=3, n=3, return_token_ids=True)
    choices = reply.json()["choices"]
    assert [choice["index"] for choice in choices] == [0, 1, 2]
    samples = {tuple(choice["token_ids"]) for choice in choices}
    assert len(samples) > 1  # three rows of one batch sample independently
    usage = reply.json()["usage"]
    assert usage["completion_tokens"] == sum(len(choice["token_ids"]) for choice in choices)


def test_seeded_sampling_is_reproducible(client):
    first = chat(client, max_tokens=12, temperature=1.0, seed=5, return_token_ids=True).json()
    again = chat(client, max_tokens=12, temperature=1.0, seed=5, return_token_ids=True).json()
    assert first["choices"][0]["token_ids"] == again["choices"][0]["token_ids"]


def test_stop_strings_cut_the_reply(client, tiny_backend):
    full = tiny_backend.generate([HELLO], SamplingParams(max_new_tokens=24))[0].text
    assert len(full) >= 6, "the tiny model should write a few characters"
    stop = full[3:6]
    for value in (stop, [stop, "never written"]):
        choice = chat(client, max_tokens=24, temperature=0, stop=value).json()["choices"][0]
        assert choice["message"]["content"] == full[: full.find(stop)]
        assert choice["finish_reason"] == "stop"


def test_max_completion_tokens_limits_the_reply(client):
    reply = chat(client, max_completion_tokens=3, temperature=0, return_token_ids=True).json()
    assert len(reply["choices"][0]["token_ids"]) <= 3


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"messages": None}, 400, ["messages"]),
        ({"messages": []}, 400, ["messages"]),
        ({"messages": [{"role": "robot", "content": "hi"}]}, 400, ["role"]),
        ({"messages": [{"role": "user", "content": 5}]}, 400, ["content"]),
        ({"model": "gpt-4o"}, 404, ["gpt-4o", MODEL]),
        ({"stream": True}, 400, ["stream"]),
        ({"temperature": -1}, 400, ["temperature"]),
        ({"temperature": "hot"}, 400, ["temperature"]),
        ({"top_p": 0}, 400, ["top_p"]),
        ({"max_tokens": 0}, 400, ["max_tokens"]),
        ({"max_tokens": 10**6}, 400, ["max_tokens", "4096"]),
        ({"n": 0}, 400, ["n must"]),
        ({"stop": ""}, 400, ["stop"]),
        ({"logprobs": "yes"}, 400, ["logprobs"]),
    ],
)
def test_bad_requests_get_openai_errors_and_the_server_goes_on(client, fields, status, words):
    body = {"model": MODEL, "messages": HELLO, "max_tokens": 4, **fields}
    assert_openai_error(client.post("/chat/completions", json=body), status, *words)
    assert chat(client, max_tokens=2).status_code == 200


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_gets_400(client, body):
    reply = client.post("/chat/completions", content=body)
    assert_openai_error(reply, 400, "JSON")
    assert chat(client, max_tokens=2).status_code == 200


def test_unknown_paths_get_404(client):
    assert_openai_error(client.get("/completions"), 404, "/v1/completions", "/v1/chat/completions")
    assert_openai_error(client.post("/v1/nothing", json={}), 404)
    assert client.get("/models").status_code == 200


def test_wrong_methods_get_405(client):
    assert_openai_error(client.get("/chat/completions"), 405, "POST")
    assert_openai_error(client.post("/models", json={}), 405, "GET")
    assert_openai_error(client.delete("/models"), 405)


def test_an_oversized_body_gets_413(client):
    huge = b"x" * (9 * 2**20)
    assert_openai_error(client.post("/chat/completions", content=huge), 413, "bytes")
    assert chat(client, max_tokens=2).status_code == 200


def test_concurrent_requests_all_succeed_with_the_greedy_answer(server, tiny_backend):
    conversations = [[{"role": "user", "content": f"make {i * 7}"}] for i in range(8)]
    params = SamplingParams(max_new_tokens=10)
    expected = tiny_backend.generate(conversations, params)

    def ask(conversation: Conversation) -> dict:
        body = {
            "messages": conversation,
            "max_tokens": 10,
            "temperature": 0,
            "return_token_ids": True,
        }
        return httpx.post(server.url + "/chat/completions", json=body, timeout=TIMEOUT_S).json()

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(ask, conversations))
    for reply, completion in zip(replies, expected, strict=True):
        assert reply["choices"][0]["token_ids"] == completion.token_ids
        assert reply["choices"][0]["message"]["content"] == completion.text


def wait_until(condition: Callable[[], bool], timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class GatedBackend(Backend):
    """Delegates to a real backend and records each batch; the first call waits for a gate."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = "gated"
        self.gate = threading.Event()
        self.batch_sizes: list[int] = []

    def generate(
        self, conversations: Sequence[Conversation], params: SamplingParams
    ) -> list[Completion]:
        if not self.batch_sizes:
            self.batch_sizes.append(len(conversations))
            assert self.gate.wait(TIMEOUT_S)
        else:
            self.batch_sizes.append(len(conversations))
        return self.inner.generate(conversations, params)


def test_requests_queued_together_are_generated_in_one_batch(tiny_backend):
    backend = GatedBackend(tiny_backend)
    with make_server(backend, port=0).start() as server:

        def ask(i: int) -> int:
            body = {
                "messages": [{"role": "user", "content": str(i)}],
                "max_tokens": 4,
                "temperature": 0,
            }
            return httpx.post(
                server.url + "/chat/completions", json=body, timeout=TIMEOUT_S
            ).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = [pool.submit(ask, 0)]
            wait_until(lambda: backend.batch_sizes == [1])  # the worker is blocked in generate
            statuses += [pool.submit(ask, i) for i in range(1, 8)]
            wait_until(lambda: server.scheduler.queued == 7)
            backend.gate.set()
            assert [status.result() for status in statuses] == [200] * 8
    assert backend.batch_sizes == [1, 7]


class FailingBackend(Backend):
    name = "failing"

    def generate(
        self, conversations: Sequence[Conversation], params: SamplingParams
    ) -> list[Completion]:
        raise RuntimeError("the GPU caught fire")


def test_a_failing_backend_gives_500_with_its_message_and_the_server_goes_on():
    with make_server(FailingBackend(), port=0).start() as server:
        body = {"messages": HELLO, "max_tokens": 2}
        for _ in range(2):
            reply = httpx.post(server.url + "/chat/completions", json=body, timeout=TIMEOUT_S)
            assert_openai_error(reply, 500, "the GPU caught fire")
        assert httpx.get(server.url + "/models", timeout=TIMEOUT_S).status_code == 200


def test_a_busy_port_raises_a_clear_error(server, tiny_backend):
    with pytest.raises(CogymError, match="another port"):
        make_server(tiny_backend, port=server.server_address[1])


def test_close_stops_answering(tiny_backend):
    server = make_server(tiny_backend, port=0).start()
    url = server.url
    assert httpx.get(url + "/models", timeout=TIMEOUT_S).status_code == 200
    server.close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/models", timeout=TIMEOUT_S)
