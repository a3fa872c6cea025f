"""Math baselines: the gold answer, the upper bound the grader allows."""

from __future__ import annotations

from typing import Any

from cogym.core.agent import Agent
from cogym.core.errors import InvalidArgumentError


class GoldAnswerAgent(Agent):
    """Answers ``\\boxed{<gold answer>}`` from the reset info (``info["task"]["answer"]``).

    Its success rate is the grader's agreement with its own gold answers: 1.0 on the
    generated families, and a check of a dataset's answer field on a ``tasks_path`` file.
    """

    def __init__(self) -> None:
        self._answer: str | None = None

    def reset(self) -> None:
        self._answer = None

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        if "task" in info:
            self._answer = info["task"]["answer"]
        if self._answer is None:
            raise InvalidArgumentError(
                "GoldAnswerAgent needs the reset info of a math env (info['task']); call act() "
                "with the pair that reset() returned first"
            )
        return f"The answer is \\boxed{{{self._answer}}}."
