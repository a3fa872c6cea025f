"""The agent interface shared by baselines, LLM agents and the CLI."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class Agent(ABC):
    """An agent plays one episode at a time and keeps whatever state it needs.

    Call :meth:`reset` at the start of each episode, then :meth:`act` with each
    observation and info the env returns (the reset pair first).
    """

    def reset(self) -> None:  # noqa: B027 - optional hook; stateless agents keep the no-op
        """Forget the last episode."""

    @abstractmethod
    def act(self, observation: Any, info: dict[str, Any]) -> Any:
        """Return the next action for ``observation``.

        :param observation: the env's latest observation.
        :param info: the info dict returned with it.
        """
