"""Generate through an OpenAI-compatible HTTP server: ``cogym serve``, ``vllm serve``, or a
hosted API.

Each conversation is one ``POST /chat/completions``; a batch is sent ``concurrency`` requests
at a time. Requests ask for ``logprobs`` and vLLM's extensions ``return_tokens_as_token_ids``
and ``return_token_ids``, so that replies from ``cogym serve`` and vLLM carry the generated
token ids, their log-probs and the prompt's token ids. Servers without these extensions give
text only: a completion's ``token_ids``, ``logprobs`` and ``prompt_token_ids`` are then empty
lists. A server that rejects the extensions (the OpenAI API does) is asked again without them.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from cogym.agents.backends.base import (
    Backend,
    Completion,
    Conversation,
    SamplingParams,
    check_conversations,
)
from cogym.core.errors import CogymError, InvalidArgumentError

try:
    import httpx
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(f"OpenAIBackend needs httpx: pip install 'cogym[llm]' ({error})") from error

EXTENSIONS = {"return_tokens_as_token_ids": True, "return_token_ids": True}
TOKEN_ID_PREFIX = "token_id:"


class BackendError(CogymError):
    """A server could not be reached, did not answer in time, or refused a request.

    :param message: what failed and what to check.
    :param status: the HTTP status of the last reply; None when no reply came.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def normalize_base_url(base_url: str) -> str:
    """``http://host:8000`` and ``http://host:8000/v1/`` both become ``http://host:8000/v1``;
    a URL with another path (``.../v1beta/openai``) is kept as it is.

    :param base_url: the server's URL.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidArgumentError(
            f"base_url must look like http://127.0.0.1:8000/v1, got {base_url!r}"
        )
    base_url = base_url.rstrip("/")
    return base_url + "/v1" if not parts.path.strip("/") else base_url


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OpenAIBackend(Backend):
    """Generate with a model behind an OpenAI-compatible ``/chat/completions`` endpoint.

    Failed requests are retried with exponential backoff on connection errors, timeouts,
    429 and 5xx replies; other 4xx replies fail at once. Every request has a timeout, so a
    call fails with :class:`BackendError` within about ``timeout_s * (max_retries + 1)``
    plus the backoff, and never hangs.

    :param base_url: e.g. ``http://127.0.0.1:8000/v1`` (``/v1`` is added when the URL has no
        path).
    :param model: the model id to request; default the first one ``/models`` lists.
    :param api_key: sent as a bearer token; default ``$OPENAI_API_KEY``, else ``"EMPTY"``.
    :param timeout_s: seconds to wait for a connection and for each read of a reply.
    :param max_retries: retries after the first attempt of each request.
    :param concurrency: the most requests in flight at once.
    :param backoff_s: the wait before the first retry; it doubles each retry.
    :raises BackendError: when ``model`` is None and ``/models`` cannot be read.
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        concurrency: int = 8,
        backoff_s: float = 0.5,
    ) -> None:
        _check_limits(timeout_s, max_retries, concurrency, backoff_s)
        self.base_url = normalize_base_url(base_url)
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.concurrency = concurrency
        self.backoff_s = backoff_s
        self._extensions = True
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY") or "EMPTY"
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {key}"},
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            trust_env=not _is_loopback(self.base_url),  # a local server is reached directly
        )
        try:
            self.model = model if model is not None else self._first_model()
        except BaseException:
            self._client.close()
            raise
        self.name = self.model

    def _first_model(self) -> str:
        reply = self._request("GET", "/models")
        models = reply.get("data")
        if not (isinstance(models, list) and models and isinstance(models[0], dict)):
            raise BackendError(f"{self.base_url}/models lists no model; pass model='...'")
        return str(models[0].get("id", ""))

    def generate(
        self, conversations: Sequence[Conversation], params: SamplingParams
    ) -> list[Completion]:
        check_conversations(conversations)
        if len(conversations) <= 1 or self.concurrency == 1:
            return [self._complete(conversation, params) for conversation in conversations]
        workers = min(self.concurrency, len(conversations))
        with ThreadPoolExecutor(workers, thread_name_prefix="cogym-openai") as pool:
            futures = [pool.submit(self._complete, c, params) for c in conversations]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def _complete(self, conversation: Conversation, params: SamplingParams) -> Completion:
        """One conversation's completion; drops the extensions if the server rejects them."""
        payload = self._payload(conversation, params)
        try:
            reply = self._request("POST", "/chat/completions", payload)
        except BackendError as error:
            sent_extensions = EXTENSIONS.keys() <= payload.keys()
            if not (sent_extensions and error.status == 400 and "return_token" in str(error)):
                raise
            self._extensions = False
            reply = self._request("POST", "/chat/completions", self._payload(conversation, params))
        return _completion(reply, self.base_url)

    def _payload(self, conversation: Conversation, params: SamplingParams) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": list(conversation),
            "max_tokens": params.max_new_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "logprobs": True,
        }
        if params.stop:
            payload["stop"] = list(params.stop)
        if params.seed is not None:
            payload["seed"] = params.seed
        if self._extensions:
            payload.update(EXTENSIONS)
        return payload

    def _request(self, method: str, path: str, payload: Any = None) -> dict[str, Any]:
        """Send one request with retries and return the reply's JSON object.

        :param method: ``"GET"`` or ``"POST"``.
        :param path: relative to ``base_url``, e.g. ``"/models"``.
        :param payload: the JSON body, if any.
        :raises BackendError: on a 4xx other than 429 at once; otherwise after the retries.
        """
        failure = BackendError("no attempt made")
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                response = self._client.request(method, path, json=payload)
            except httpx.TimeoutException:
                failure = BackendError(f"no reply from {self.base_url} within {self.timeout_s:g} s")
                continue
            except httpx.ConnectError as error:
                failure = BackendError(
                    f"could not connect to {self.base_url}: is the server running? ({error})"
                )
                continue
            except httpx.TransportError as error:
                failure = BackendError(f"the connection to {self.base_url} failed: {error!r}")
                continue
            if response.status_code == 429 or response.status_code >= 500:
                failure = _status_error(response)
                continue
            if response.status_code >= 400:
                raise _status_error(response)
            return _json_object(response)
        attempts = self.max_retries + 1
        raise BackendError(
            f"{failure} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})",
            status=failure.status,
        )

    def close(self) -> None:
        self._client.close()


def _check_limits(timeout_s: float, max_retries: int, concurrency: int, backoff_s: float) -> None:
    if not timeout_s > 0:
        raise InvalidArgumentError(f"timeout_s must be > 0, got {timeout_s}")
    if not isinstance(max_retries, int) or max_retries < 0:
        raise InvalidArgumentError(f"max_retries must be an int >= 0, got {max_retries!r}")
    if not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidArgumentError(f"concurrency must be an int >= 1, got {concurrency!r}")
    if not backoff_s >= 0:
        raise InvalidArgumentError(f"backoff_s must be >= 0, got {backoff_s}")


def _status_error(response: httpx.Response) -> BackendError:
    """A BackendError naming the status and the server's own error message."""
    try:
        reply = response.json()
        error = reply.get("error", reply)
        message = error.get("message") if isinstance(error, dict) else str(error)
    except (ValueError, AttributeError):
        message = None
    message = message or response.text[:500] or "(no message)"
    return BackendError(
        f"{response.request.url} answered {response.status_code} "
        f"{response.reason_phrase}: {message}",
        status=response.status_code,
    )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        reply = response.json()
    except ValueError as error:
        raise BackendError(f"{response.request.url} replied with invalid JSON: {error}") from error
    if not isinstance(reply, dict):
        raise BackendError(f"{response.request.url} replied with {reply!r}, not a JSON object")
    return reply


def _completion(reply: dict[str, Any], base_url: str) -> Completion:
    """Read a ``chat.completion`` object's first choice."""
    try:
        choice = reply["choices"][0]
        text = choice["message"]["content"] or ""
    except (KeyError, IndexError, TypeError) as error:
        raise BackendError(
            f"{base_url} replied without choices[0].message.content: {str(reply)[:300]}"
        ) from error
    token_ids, logprobs = _tokens(choice)
    finish_reason = "length" if choice.get("finish_reason") == "length" else "stop"
    prompt_token_ids = reply.get("prompt_token_ids") or []
    return Completion(text, token_ids, logprobs, finish_reason, list(prompt_token_ids))


def _tokens(choice: dict[str, Any]) -> tuple[list[int], list[float]]:
    """The choice's token ids and log-probs, or two empty lists when it lacks either."""
    entries = (choice.get("logprobs") or {}).get("content") or []
    logprobs = [float(entry["logprob"]) for entry in entries]
    token_ids = choice.get("token_ids")
    if token_ids is None:
        token_ids = [_token_id(entry.get("token")) for entry in entries]
    if not logprobs or None in token_ids or len(token_ids) != len(logprobs):
        return [], []
    return [int(token) for token in token_ids], logprobs


def _token_id(token: object) -> int | None:
    if isinstance(token, str) and token.startswith(TOKEN_ID_PREFIX):
        number = token[len(TOKEN_ID_PREFIX) :]
        if number.isdigit():
            return int(number)
    return None
