"""``cogym serve`` as a user runs it: a process that takes its limits from flags and that
Ctrl-C stops cleanly, even in the middle of a generation."""

import signal
import subprocess
import sys
import threading

import pytest

pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")
pytest.importorskip("uvicorn", reason="needs the serve extra: pip install 'cogym[serve]'")
httpx = pytest.importorskip("httpx", reason="needs the llm extra: pip install 'cogym[llm]'")

from tests.serve.helpers import HELLO, TIMEOUT_S, wait_until  # noqa: E402


class ServeProcess:
    """``python -m cogym serve`` on a free port, with its URL read from its first line."""

    def __init__(self, model_dir, *flags: str) -> None:
        command = [sys.executable, "-m", "cogym", "serve", "--model", str(model_dir)]
        self.process = subprocess.Popen(
            [*command, "--port", "0", *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        assert " at http://" in line, line + self.process.stderr.read()
        self.url = line.split(" at ")[1].split()[0]

    def post(self, body: dict) -> httpx.Response:
        return httpx.post(self.url + "/chat/completions", json=body, timeout=TIMEOUT_S)

    def health(self) -> dict:
        return httpx.get(self.url.removesuffix("/v1") + "/health", timeout=TIMEOUT_S).json()

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C, then the exit code, stdout and stderr."""
        self.process.send_signal(signal.SIGINT)
        stdout, stderr = self.process.communicate(timeout=TIMEOUT_S)
        return self.process.returncode, stdout, stderr

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def test_max_new_tokens_flag_sets_the_limit(tiny_model_dir):
    server = ServeProcess(tiny_model_dir, "--max-new-tokens", "8")
    try:
        reply = server.post({"messages": HELLO, "max_tokens": 9})
        assert reply.status_code == 400 and "1 to 8" in reply.json()["error"]["message"]
        reply = server.post({"messages": HELLO, "temperature": 0, "return_token_ids": True})
        assert reply.status_code == 200
        assert len(reply.json()["choices"][0]["token_ids"]) <= 8
        code, _, stderr = server.stop()
    finally:
        server.kill()
    assert code == 0, stderr


def test_ctrl_c_during_a_generation_cancels_it_and_exits_0(tiny_model_dir):
    server = ServeProcess(tiny_model_dir, "--chunk-tokens", "4")
    replies: list[httpx.Response | Exception] = []

    def ask() -> None:
        body = {"messages": HELLO, "max_tokens": 3000, "n": 4, "temperature": 0}
        try:
            replies.append(server.post(body))
        except httpx.HTTPError as error:  # the connection may close instead of a reply
            replies.append(error)

    client = threading.Thread(target=ask)
    try:
        client.start()
        wait_until(lambda: server.health()["generated_tokens"] > 0)
        code, stdout, stderr = server.stop()
        client.join(TIMEOUT_S)
    finally:
        server.kill()
    assert code == 0, stderr
    assert "terminate called" not in stderr and "Traceback" not in stderr
    assert stdout.strip().endswith("stopped")
    (reply,) = replies
    if isinstance(reply, httpx.Response):  # answered before the socket closed
        assert reply.status_code == 503 and "shutting down" in reply.json()["error"]["message"]


def test_a_bad_limit_flag_fails_with_one_line(tiny_model_dir):
    command = [sys.executable, "-m", "cogym", "serve", "--model", str(tiny_model_dir)]
    done = subprocess.run(
        [*command, "--request-timeout", "0"], capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "request_timeout_s" in done.stderr
