"""The server's limits, and the checks that keep a prompt inside the model's context.

Every limit has a name, a default and a ``cogym serve`` flag; a request past one is
answered at once (400, 413, 503 or 504), before it can take memory or the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cogym.agents.backends.base import Backend, Conversation
from cogym.core.checks import check_int, check_number
from cogym.serve.protocol import ApiError, ChatRequest

DEFAULT_MAX_NEW_TOKENS = 4096
DEFAULT_REQUEST_TIMEOUT_S = 300.0
MIN_BODY_BYTES = 2**20


@dataclass(frozen=True)
class ServeLimits:
    """The limits one server enforces.

    :param max_new_tokens: the most tokens one completion may ask for, and the default.
    :param request_timeout_s: the most seconds a request may wait and generate; then 504.
    :param max_batch_size: the most completions generated in one backend call.
    :param max_queued: the most requests waiting or generating; more get 503.
    :param chunk_tokens: tokens a request generates before the others get their turn (a
        cancelled or timed-out request stops at the next token).
    :param max_body_bytes: the largest request body; larger ones get 413. None: 32 bytes a
        context token, at least 1 MiB.
    :param batch_window_s: how long a new request waits for others to batch with.
    """

    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    max_batch_size: int = 64
    max_queued: int = 256
    chunk_tokens: int = 64
    max_body_bytes: int | None = None
    batch_window_s: float = 0.005

    def __post_init__(self) -> None:
        for name in ("max_new_tokens", "max_batch_size", "max_queued", "chunk_tokens"):
            check_int(name, getattr(self, name), minimum=1)
        if self.max_body_bytes is not None:
            check_int("max_body_bytes", self.max_body_bytes, minimum=1024)
        check_number("request_timeout_s", self.request_timeout_s, minimum=0, exclusive_minimum=True)
        check_number("batch_window_s", self.batch_window_s, minimum=0, maximum=1)

    def body_bytes(self, context: int | None) -> int:
        """The body size limit for a model with ``context`` tokens (None: unknown)."""
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        return max(MIN_BODY_BYTES, 32 * (context or 0))


def model_context(backend: Backend) -> int | None:
    """The most tokens (prompt and completion) the backend's model attends to, if known.

    :param backend: a backend; its ``model.config.max_position_embeddings`` is read.
    """
    config = getattr(getattr(backend, "model", None), "config", None)
    context = getattr(config, "max_position_embeddings", None)
    return context if isinstance(context, int) and context > 0 else None


def max_token_bytes(tokenizer: Any) -> int:
    """An upper bound on the UTF-8 bytes one token stands for (its longest vocab entry).

    A text of ``b`` bytes thus takes at least ``b / max_token_bytes`` tokens, which
    rejects an absurd prompt without tokenising it.

    :param tokenizer: a transformers tokenizer.
    """
    vocab = tokenizer.get_vocab()
    return max((len(token.encode("utf-8")) for token in vocab), default=1) or 1


def content_bytes(conversation: Conversation) -> int:
    """The UTF-8 bytes of the conversation's message contents.

    :param conversation: the chat messages.
    """
    return sum(len(message["content"].encode("utf-8")) for message in conversation)


def context_error(prompt: str, context: int) -> ApiError:
    """The 400 for a prompt that leaves no room for a reply (vLLM's wording).

    :param prompt: how long the prompt is, e.g. ``"5000 tokens"``.
    :param context: the model's context in tokens.
    """
    return ApiError(
        400,
        f"This model's maximum context length is {context} tokens. However, your messages "
        f"resulted in {prompt}. Please reduce the length of the messages.",
        param="messages",
        code="context_length_exceeded",
    )


def fit_max_tokens(request: ChatRequest, prompt_tokens: int, context: int) -> ChatRequest:
    """The request with ``max_tokens`` inside the context, like vLLM.

    A prompt that fills the context is a 400. A default ``max_tokens`` shrinks to the room
    left; an explicit one that does not fit is a 400.

    :param request: the parsed request.
    :param prompt_tokens: the prompt's length in tokens.
    :param context: the model's context in tokens.
    :raises ApiError: 400 when the prompt or the asked tokens do not fit.
    """
    room = context - prompt_tokens
    if room < 1:
        raise context_error(f"{prompt_tokens} tokens", context)
    asked = request.params.max_new_tokens
    if asked <= room:
        return request
    if request.explicit_max_tokens:
        raise ApiError(
            400,
            f"This model's maximum context length is {context} tokens. However, you requested "
            f"{prompt_tokens + asked} tokens ({prompt_tokens} in the messages, {asked} in the "
            "completion). Please reduce the length of the messages or completion.",
            param="max_tokens",
            code="context_length_exceeded",
        )
    return request.with_max_tokens(room)
