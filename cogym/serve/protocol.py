"""The OpenAI chat-completions wire format: decode and validate a request body, build a reply."""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cogym.agents.backends.base import (
    Completion,
    Conversation,
    Message,
    SamplingParams,
)
from cogym.core import strict_json
from cogym.core.errors import InvalidArgumentError
from cogym.core.strict_json import JSONReadError

logger = logging.getLogger(__name__)

MAX_N = 64
MAX_INT_DIGITS = 20
MAX_STOP_STRINGS = 16
ROLES = ("system", "user", "assistant")
INT64 = 2**63


class ApiError(Exception):
    """A request answered with an OpenAI-style error object.

    :param status: the HTTP status code.
    :param message: what was wrong and what to send instead.
    :param param: the request field at fault, if one is.
    :param code: a short machine-readable code.
    :param kind: OpenAI's error ``type``.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        kind: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.kind = kind

    def body(self) -> dict[str, Any]:
        """The JSON reply: ``{"error": {"message", "type", "param", "code"}}``."""
        return {
            "error": {
                "message": self.message,
                "type": self.kind,
                "param": self.param,
                "code": self.code,
            }
        }


# -- request parsing -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChatRequest:
    """A validated chat completion request.

    :param conversation: the messages.
    :param params: the sampling params.
    :param n: how many completions to generate.
    :param logprobs: whether to return each token's log-prob.
    :param tokens_as_ids: name log-prob tokens ``"token_id:<id>"`` (vLLM's extension).
    :param return_token_ids: add prompt and completion token ids to the reply (vLLM's).
    :param explicit_max_tokens: whether the client set ``max_tokens`` (or
        ``max_completion_tokens``) rather than taking the default.
    """

    conversation: Conversation
    params: SamplingParams
    n: int = 1
    logprobs: bool = False
    tokens_as_ids: bool = False
    return_token_ids: bool = False
    explicit_max_tokens: bool = False

    def with_max_tokens(self, max_tokens: int) -> ChatRequest:
        """The same request asking for at most ``max_tokens`` tokens a completion.

        :param max_tokens: the new limit (>= 1).
        """
        params = dataclasses.replace(self.params, max_new_tokens=max_tokens)
        return dataclasses.replace(self, params=params)


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Decode a request body that must be a JSON object.

    Standard JSON only: no ``NaN``/``Infinity``, integers of at most 20 digits, nesting
    that Python's parser can follow.

    :param body: the raw body.
    :raises ApiError: 400 when the body is not such an object.
    """
    try:
        value = strict_json.loads(body, max_int_digits=MAX_INT_DIGITS)
    except JSONReadError as error:
        raise ApiError(400, f"the request body is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return value


def parse_chat_request(body: dict[str, Any], model_name: str, max_tokens_limit: int) -> ChatRequest:
    """Validate a ``/v1/chat/completions`` body.

    :param body: the decoded JSON object.
    :param model_name: the served model's id; another ``model`` is a 404.
    :param max_tokens_limit: the most tokens one completion may ask for (and the default).
    :raises ApiError: 400 for malformed fields, 404 for another model.
    """
    if body.get("stream"):
        raise ApiError(
            400, "streaming is not supported; send stream: false or leave it out", param="stream"
        )
    model = body.get("model")
    if model is not None and model != model_name:
        raise ApiError(
            404,
            f"the model {model!r} does not exist; this server serves {model_name!r}",
            param="model",
            code="model_not_found",
        )
    if body.get("top_logprobs"):
        raise ApiError(
            400, "top_logprobs is not supported; leave it out or send 0", param="top_logprobs"
        )
    has_new_key = body.get("max_completion_tokens") is not None
    tokens_key = "max_completion_tokens" if has_new_key else "max_tokens"
    explicit_max_tokens = body.get(tokens_key) is not None
    try:
        params = SamplingParams(
            max_new_tokens=_integer(body, tokens_key, max_tokens_limit, 1, max_tokens_limit),
            temperature=_number(body, "temperature", 1.0, 0.0, 2.0),
            top_p=_number(body, "top_p", 1.0, 0.0, 1.0, low_open=True),
            stop=_stop(body.get("stop")),
            seed=_integer(body, "seed", None, -INT64, INT64 - 1),
        )
    except InvalidArgumentError as error:
        raise ApiError(400, str(error)) from error
    return ChatRequest(
        conversation=_messages(body.get("messages")),
        params=params,
        n=_integer(body, "n", 1, 1, MAX_N),
        logprobs=_boolean(body, "logprobs"),
        tokens_as_ids=_boolean(body, "return_tokens_as_token_ids"),
        return_token_ids=_boolean(body, "return_token_ids"),
        explicit_max_tokens=explicit_max_tokens,
    )


def _messages(messages: object) -> Conversation:
    if not isinstance(messages, list) or not messages:
        raise ApiError(
            400,
            "messages must be a non-empty list of {'role': 'system'|'user'|'assistant', "
            "'content': str} objects",
            param="messages",
        )
    return [_message(message, i) for i, message in enumerate(messages)]


def _message(message: object, i: int) -> Message:
    if not isinstance(message, dict):
        raise ApiError(
            400, f"messages[{i}] must be an object with role and content", param="messages"
        )
    role = "system" if message.get("role") == "developer" else message.get("role")
    if role not in ROLES:
        raise ApiError(
            400,
            f"messages[{i}].role must be one of {', '.join(ROLES)}; got {role!r}",
            param=f"messages[{i}].role",
        )
    return {"role": role, "content": _content(message.get("content"), i)}


def _content(content: object, i: int) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(_is_text_part(part) for part in content):
        return "".join(part["text"] for part in content)
    raise ApiError(
        400,
        f"messages[{i}].content must be a string or a list of "
        "{'type': 'text', 'text': str} parts",
        param=f"messages[{i}].content",
    )


def _is_text_part(part: object) -> bool:
    return (
        isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
    )


def _number(
    body: dict[str, Any],
    key: str,
    default: float,
    low: float,
    high: float,
    *,
    low_open: bool = False,
) -> float:
    value = body.get(key)
    if value is None:
        return default
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    above_low = is_number and (value > low if low_open else value >= low)
    if not (above_low and value <= high):
        bracket = "(" if low_open else "["
        raise ApiError(
            400, f"{key} must be a number in {bracket}{low:g}, {high:g}], got {value!r}", param=key
        )
    return float(value)


def _integer(body: dict[str, Any], key: str, default: Any, low: int, high: int) -> Any:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ApiError(
            400, f"{key} must be an integer from {low} to {high}, got {value!r}", param=key
        )
    return value


def _boolean(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ApiError(400, f"{key} must be true or false, got {value!r}", param=key)
    return value


def _stop(stop: object) -> tuple[str, ...]:
    if stop is None:
        return ()
    strings = [stop] if isinstance(stop, str) else stop
    valid = isinstance(strings, list) and len(strings) <= MAX_STOP_STRINGS
    if not valid or not all(isinstance(s, str) and s for s in strings):
        raise ApiError(
            400,
            f"stop must be a non-empty string or a list of at most {MAX_STOP_STRINGS} of them, "
            f"got {stop!r}",
            param="stop",
        )
    return tuple(strings)


# -- replies -------------------------------------------------------------------------------


def chat_response(
    request: ChatRequest,
    completions: Sequence[Completion],
    model_name: str,
    token_text: Callable[[int], str],
    prompt_tokens: int,
) -> dict[str, Any]:
    """The ``chat.completion`` object for a request's completions.

    :param request: the parsed request.
    :param completions: its ``n`` completions.
    :param model_name: the served model's id.
    :param token_text: names a token id in log-prob entries.
    :param prompt_tokens: the prompt's length in tokens.
    """
    choices = [_choice(request, i, c, token_text) for i, c in enumerate(completions)]
    completion_tokens = sum(completion.num_tokens for completion in completions)
    reply: dict[str, Any] = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model_name,
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    if request.return_token_ids and completions:
        reply["prompt_token_ids"] = completions[0].prompt_token_ids
    return reply


def _choice(
    request: ChatRequest, index: int, completion: Completion, token_text: Callable[[int], str]
) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": index,
        "message": {"role": "assistant", "content": completion.text},
        "finish_reason": completion.finish_reason,
        "logprobs": None,
    }
    if request.logprobs:
        name = (lambda token: f"token_id:{token}") if request.tokens_as_ids else token_text
        content = [
            {"token": name(token), "logprob": logprob, "bytes": None, "top_logprobs": []}
            for token, logprob in zip(completion.token_ids, completion.logprobs, strict=False)
        ]
        choice["logprobs"] = {"content": content}
    if request.return_token_ids:
        choice["token_ids"] = completion.token_ids
    return choice
