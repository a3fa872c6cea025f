"""Code baselines: the reference solution, the upper bound of any agent."""

from __future__ import annotations

from typing import Any

from cogym.core.agent import Agent
from cogym.core.errors import InvalidArgumentError


class ReferenceAgent(Agent):
    """Submits the task's reference solution (``info["task"]["solution"]`` at reset).

    Generated tasks always carry the solution that produced their tests, so it passes
    every one of them; dataset tasks carry the dataset's canonical solution when the file
    has one. A task without a solution gets an empty submission, which fails.
    """

    def __init__(self) -> None:
        self._solution: str | None = None

    def reset(self) -> None:
        self._solution = None

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        if "task" in info:
            self._solution = info["task"].get("solution") or "pass"
        if self._solution is None:
            raise InvalidArgumentError(
                "ReferenceAgent needs the reset info of a code env (info['task']); call act() "
                "with the pair that reset() returned first"
            )
        return f"<submit>\n{self._solution}\n</submit>"
