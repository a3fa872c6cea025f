"""The one interface every LLM backend offers: chat conversations in, token-level
completions out.

Completions carry the generated token ids and their log-probs, so training code works
token-in/token-out and never re-tokenises text.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cogym.core.errors import InvalidArgumentError

Message = dict[str, str]
"""A chat message: ``{"role": "system" | "user" | "assistant", "content": str}``."""
Conversation = list[Message]
FinishReason = Literal["stop", "length"]


@dataclass(frozen=True)
class SamplingParams:
    """How to sample a completion.

    :param max_new_tokens: the most tokens to generate per completion.
    :param temperature: 0 means greedy decoding.
    :param top_p: nucleus sampling mass (1.0 keeps every token).
    :param stop: strings that end the completion; the text excludes them.
    :param seed: seeds sampling, for reproducible runs (greedy ignores it).
    """

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.stop, str):
            object.__setattr__(self, "stop", (self.stop,))
        else:
            object.__setattr__(self, "stop", tuple(self.stop))
        if not isinstance(self.max_new_tokens, int) or self.max_new_tokens < 1:
            raise InvalidArgumentError(
                f"max_new_tokens must be an int >= 1, got {self.max_new_tokens!r}"
            )
        if self.temperature < 0:
            raise InvalidArgumentError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise InvalidArgumentError(f"top_p must be in (0, 1], got {self.top_p}")
        if any(not isinstance(s, str) or not s for s in self.stop):
            raise InvalidArgumentError(f"stop must hold non-empty strings, got {self.stop!r}")

    @property
    def greedy(self) -> bool:
        """Whether decoding is greedy (temperature 0)."""
        return self.temperature == 0


@dataclass
class Completion:
    """One generated reply.

    :param text: the reply, without the stop string or end-of-turn token.
    :param token_ids: the generated tokens, including the one that ended the reply
        (end-of-turn token or the token completing a stop string), as the model emitted them.
    :param logprobs: ``log p(token | prefix)`` of each generated token under the model's
        unmodified distribution (log-softmax of its logits: no temperature or top-p).
    :param finish_reason: ``"stop"`` (end-of-turn token or stop string) or ``"length"``.
    :param prompt_token_ids: the tokenised prompt the reply continues.
    """

    text: str
    token_ids: list[int]
    logprobs: list[float]
    finish_reason: FinishReason
    prompt_token_ids: list[int] = field(default_factory=list)

    @property
    def num_tokens(self) -> int:
        """How many tokens were generated."""
        return len(self.token_ids)


class Backend(ABC):
    """Generates chat completions for a batch of conversations at once."""

    #: A short name for logs and summaries, e.g. the model's name.
    name: str = "backend"

    @abstractmethod
    def generate(
        self, conversations: Sequence[Conversation], params: SamplingParams
    ) -> list[Completion]:
        """Return one completion per conversation, in order.

        :param conversations: chat message lists; each ends with a user message.
        :param params: sampling parameters shared by the batch.
        """

    def count_tokens(self, conversation: Conversation) -> int:
        """Tokens the conversation takes as a prompt (with the generation prompt).

        Backends without a tokenizer estimate four characters a token.
        """
        return sum(len(message["content"]) for message in conversation) // 4 + 4 * len(conversation)

    def close(self) -> None:  # noqa: B027 - optional hook; stateless backends keep the no-op
        """Release the model or connections."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TokenizerBackend(Backend):
    """A backend with a local chat tokenizer (``self.tokenizer``, a transformers one).

    Prompts are chat-formatted and tokenised here, so subclasses generate from token ids
    and training code can call :meth:`generate_from_ids` with its own prompts.
    """

    tokenizer: Any

    def encode_prompt(self, conversation: Conversation) -> list[int]:
        """Token ids of the chat-formatted conversation, ending with the generation prompt."""
        text = self.tokenizer.apply_chat_template(
            conversation, tokenize=False, add_generation_prompt=True
        )
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def count_tokens(self, conversation: Conversation) -> int:
        return len(self.encode_prompt(conversation))

    def generate(
        self, conversations: Sequence[Conversation], params: SamplingParams
    ) -> list[Completion]:
        check_conversations(conversations)
        prompts = [self.encode_prompt(conversation) for conversation in conversations]
        return self.generate_from_ids(prompts, params)

    @abstractmethod
    def generate_from_ids(
        self,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        interrupt: Callable[[], bool] | None = None,
    ) -> list[Completion]:
        """One completion per tokenised prompt, in order (token-in/token-out).

        :param interrupt: polled while generating; once true the backend may end every
            row early (a server dropping a request, Ctrl-C). A backend that cannot stop
            mid-call checks it only before starting.
        """


def check_conversations(conversations: Sequence[Conversation]) -> None:
    """Raise :class:`InvalidArgumentError` unless each is a non-empty list of messages."""
    if isinstance(conversations, (str, dict)) or not isinstance(conversations, Sequence):
        raise InvalidArgumentError("generate() takes a list of conversations (lists of messages)")
    for i, conversation in enumerate(conversations):
        if not conversation or isinstance(conversation, (str, dict)):
            raise InvalidArgumentError(f"conversation {i} must be a non-empty list of messages")
        for message in conversation:
            if not isinstance(message, dict) or not {"role", "content"} <= message.keys():
                raise InvalidArgumentError(
                    f"conversation {i} has {message!r}; messages are "
                    "{'role': 'system'|'user'|'assistant', 'content': str}"
                )
