"""Math baselines: the gold answer, the upper bound the grader allows."""

from __future__ import annotations

from typing import Any

from cogym.core.agent import TaskAgent


class GoldAnswerAgent(TaskAgent):
    """Answers ``\\boxed{<gold answer>}`` from the reset info (``info["task"]["answer"]``).

    Its success rate is the grader's agreement with its own gold answers: 1.0 on the
    generated families, and a check of a dataset's answer field on a ``tasks_path`` file.
    """

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        return f"The answer is \\boxed{{{self.current_task(info)['answer']}}}."
