"""Code baselines: the reference solution, the upper bound of any agent."""

from __future__ import annotations

from typing import Any

from cogym.core.agent import TaskAgent


class ReferenceAgent(TaskAgent):
    """Submits the task's reference solution (``info["task"]["solution"]`` at reset).

    Generated tasks always carry the solution that produced their tests, so it passes
    every one of them; dataset tasks carry the dataset's canonical solution when the file
    has one. A task without a solution gets an empty submission, which fails.
    """

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        solution = self.current_task(info).get("solution") or "pass"
        return f"<submit>\n{solution}\n</submit>"
