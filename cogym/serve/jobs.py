"""One request's generation: its rows (one a completion), its deadline, its future.

A job over a tokenizer backend is generated in chunks: each row keeps the tokens made so
far and continues from ``prompt + tokens`` in the next chunk, so the scheduler can let
other requests in, and drop a cancelled or late job, between chunks.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Any

from cogym.agents.backends.base import Completion, Conversation, SamplingParams
from cogym.core.errors import CogymError

SEED_STRIDE = 1_000_003  # spaces the seeds of a job's chunks apart
INT63 = 2**63


class ServerBusyError(CogymError):
    """The generation queue is full, or the server is shutting down."""


class RequestTimeoutError(CogymError):
    """A request ran past the server's time limit before it was generated."""


@dataclass
class Row:
    """One completion in the making.

    :param prompt: the prompt's token ids.
    :param tokens: the tokens generated so far.
    :param logprobs: their log-probs.
    :param end_token: the last of ``tokens`` is the model's end-of-turn token.
    :param stopped: the text holds one of the request's stop strings.
    """

    prompt: list[int]
    tokens: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    end_token: bool = False
    stopped: bool = False

    @property
    def ended(self) -> bool:
        """Whether the row met its end token or a stop string."""
        return self.end_token or self.stopped

    @property
    def body(self) -> list[int]:
        """The generated tokens without the end token."""
        return self.tokens[:-1] if self.end_token else self.tokens

    def continuation(self) -> list[int]:
        """The ids the next chunk continues from."""
        return self.prompt + self.tokens


@dataclass(eq=False)
class Job:
    """A request's completions, queued for the scheduler's worker.

    :param conversations: one conversation a completion (``n`` copies of a request's).
    :param params: the request's sampling params.
    :param deadline: the ``clock()`` time after which the job fails with a timeout.
    :param prompt_ids: the tokenised prompt; None for a backend without a tokenizer,
        which generates the whole job in one call.
    """

    conversations: list[Conversation]
    params: SamplingParams
    deadline: float
    prompt_ids: list[int] | None = None
    future: Future[list[Completion]] = field(default_factory=Future)
    rows: list[Row] = field(default_factory=list)
    chunks: int = 0

    def __post_init__(self) -> None:
        if self.prompt_ids is not None and not self.rows:
            self.rows = [Row(list(self.prompt_ids)) for _ in self.conversations]

    @property
    def chunked(self) -> bool:
        """Whether the job is generated chunk by chunk (it has token ids)."""
        return self.prompt_ids is not None

    @property
    def mergeable(self) -> bool:
        """Whether the job may share a backend call: a seeded sample must not depend on
        which other requests share its batch."""
        return self.params.greedy or self.params.seed is None

    @property
    def size(self) -> int:
        """Rows still generating (every row before a whole-job call)."""
        return len(self.open_rows()) if self.chunked else len(self.conversations)

    def open_rows(self) -> list[Row]:
        """The rows that still generate."""
        return [row for row in self.rows if not row.ended and self.remaining(row) > 0]

    def remaining(self, row: Row) -> int:
        """Tokens ``row`` may still generate."""
        return self.params.max_new_tokens - len(row.tokens)

    def chunk_params(self, max_new_tokens: int) -> SamplingParams:
        """Params for the job's next chunk: no stop strings (the job checks them on the
        whole text), and for a seeded job a seed of its own for each chunk.

        :param max_new_tokens: the chunk's length.
        """
        seed = self.params.seed
        if seed is not None and self.chunks:
            seed = (seed + SEED_STRIDE * self.chunks + INT63) % (2 * INT63) - INT63
        return dataclasses.replace(self.params, max_new_tokens=max_new_tokens, stop=(), seed=seed)

    @property
    def done(self) -> bool:
        """The future holds an answer, or the client cancelled it."""
        return self.future.done()

    def succeed(self, completions: list[Completion]) -> None:
        """Answer the request (ignored when it was cancelled or failed meanwhile)."""
        with contextlib.suppress(InvalidStateError):
            self.future.set_result(completions)

    def fail(self, error: BaseException) -> None:
        """Fail the request (ignored when it was answered or cancelled meanwhile)."""
        with contextlib.suppress(InvalidStateError):
            self.future.set_exception(error)


def extend_row(
    row: Row, completion: Completion, limit: int, tokenizer: Any, stops: Sequence[str]
) -> None:
    """Add a chunk's completion to ``row``; note an end token or a stop string.

    :param row: the row.
    :param completion: the chunk, generated without stop strings.
    :param limit: the most tokens the row may still take (a shared chunk may be longer).
    :param tokenizer: decodes the row's text to look for stop strings.
    :param stops: the request's stop strings.
    """
    tokens = completion.token_ids[:limit]
    row.tokens += tokens
    row.logprobs += completion.logprobs[:limit]
    row.end_token = completion.finish_reason == "stop" and len(tokens) == completion.num_tokens
    if stops:
        text = tokenizer.decode(row.body, skip_special_tokens=True)
        row.stopped = any(stop in text for stop in stops)


def finish_row(row: Row, tokenizer: Any, stops: Sequence[str]) -> Completion:
    """The row's completion, cut at its end token or first stop string as a backend cuts it.

    :param row: a row that ended or used up its tokens.
    :param tokenizer: decodes the text.
    :param stops: the request's stop strings.
    """
    body = row.body
    text = tokenizer.decode(body, skip_special_tokens=True)
    hits = [text.find(stop) for stop in stops if stop in text]
    if hits:
        kept = _tokens_through(body, stops, tokenizer)
        return Completion(
            text[: min(hits)], row.tokens[:kept], row.logprobs[:kept], "stop", row.prompt
        )
    reason = "stop" if row.end_token else "length"
    return Completion(text, list(row.tokens), list(row.logprobs), reason, row.prompt)


def _tokens_through(body: list[int], stops: Sequence[str], tokenizer: Any) -> int:
    """The fewest leading tokens of ``body`` whose text contains a stop string."""
    low, high = 1, len(body)
    while low < high:
        middle = (low + high) // 2
        text = tokenizer.decode(body[:middle], skip_special_tokens=True)
        if any(stop in text for stop in stops):
            high = middle
        else:
            low = middle + 1
    return high
