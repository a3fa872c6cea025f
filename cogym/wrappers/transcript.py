"""One episode's conversation as chat messages, and the rule for shortening it.

:class:`~cogym.wrappers.ChatHistory` keeps one for its env and
:class:`~cogym.agents.llm_agent.LLMAgent` one per batch slot, so both build the same
messages for the same episode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cogym.core.errors import InvalidArgumentError, ResetNeeded

Message = dict[str, str]
"""A chat message: ``{"role": "system" | "user" | "assistant", "content": str}``."""
ROLES = ("system", "user", "assistant")


class Transcript:
    """An episode's chat: the system prompt, the task, then one exchange per turn.

    :meth:`start` opens it with a ``system`` message (when there is a system prompt) and
    the env's first observation as the first ``user`` message. Each turn then adds an
    ``assistant`` message, the agent's action exactly as given (:meth:`add_reply`; an
    action that is not a ``str`` is written as its ``repr``), and a ``user`` message, the
    env's reply (:meth:`add_observation`).

    :param system_prompt: a fixed string, a function of the first observation that
        returns one, or ``None`` for no system message.
    """

    def __init__(self, system_prompt: str | Callable[[str], str] | None = None) -> None:
        if not (system_prompt is None or isinstance(system_prompt, str) or callable(system_prompt)):
            raise InvalidArgumentError(
                "system_prompt must be a str, a function of the first observation, or None, "
                f"got {type(system_prompt).__name__}"
            )
        self.system_prompt = system_prompt
        self._messages: list[Message] = []

    def __len__(self) -> int:
        return len(self._messages)

    @property
    def messages(self) -> list[Message]:
        """A copy of the messages so far."""
        return [dict(message) for message in self._messages]

    def start(self, observation: str) -> None:
        """Forget the last episode and open this one with its first observation.

        :param observation: the env's first observation (the task).
        """
        self._messages = []
        system = self.system_prompt
        if callable(system):
            system = system(observation)
        if system is not None:
            self._messages.append({"role": "system", "content": system})
        self._messages.append({"role": "user", "content": observation})

    def add_reply(self, action: Any) -> None:
        """Add the agent's action as an ``assistant`` message.

        :param action: the action as the agent gave it.
        """
        self._check_started("add_reply")
        content = action if isinstance(action, str) else repr(action)
        self._messages.append({"role": "assistant", "content": content})

    def add_observation(self, observation: str) -> None:
        """Add the env's reply as a ``user`` message.

        :param observation: the env's observation after the last action.
        """
        self._check_started("add_observation")
        self._messages.append({"role": "user", "content": observation})

    def fit(
        self, budget: int | None, count_tokens: Callable[[list[Message]], int]
    ) -> list[Message]:
        """The messages, shortened by :func:`truncate_history` to ``budget`` tokens.

        :param budget: the most prompt tokens; ``None`` keeps every message.
        :param count_tokens: counts the tokens of a message list (a backend's
            ``count_tokens``).
        """
        messages = self.messages
        if budget is None:
            return messages
        return truncate_history(messages, budget, count_tokens)

    def _check_started(self, method: str) -> None:
        if not self._messages:
            raise ResetNeeded(
                f"Transcript.{method}() before start(): call start(first_observation) when "
                "the episode begins"
            )


def truncate_history(
    conversation: list[Message], budget: int, count_tokens: Callable[[list[Message]], int]
) -> list[Message]:
    """Drop the oldest exchanges until the prompt fits ``budget`` tokens.

    The system message, the first user message (the task) and the latest exchange always
    stay; exchanges in between go oldest first, an assistant reply together with the
    env's answer to it, so roles keep alternating. A conversation that is still too long
    is returned at that minimum.

    :param conversation: system (optional), task, then assistant/user pairs.
    :param budget: the most prompt tokens.
    :param count_tokens: the backend's token counter.
    :return: the conversation itself when it fits, else a shorter copy.
    """
    if count_tokens(conversation) <= budget:
        return conversation
    head = 2 if conversation[0]["role"] == "system" else 1
    kept = list(conversation)
    while len(kept) > head + 2 and count_tokens(kept) > budget:
        del kept[head : head + 2]
    return kept
