"""Records of played episodes, written as one JSON object per line."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays and tuples so ``json.dumps`` accepts ``value``."""
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class StepRecord:
    """One turn: the action taken and what the env answered.

    :param duration_s: seconds the step took.
    """

    action: Any
    observation: Any
    reward: float
    terminated: bool
    truncated: bool
    info: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0


@dataclass
class EpisodeRecord:
    """A whole episode, enough to replay or audit it.

    :param env_id: the registered id the env was made with.
    :param seed: the seed passed to ``reset``.
    :param agent: the agent's name.
    :param reset_observation: the first observation (the task).
    :param reset_info: the info returned by ``reset``.
    """

    env_id: str
    seed: int | None
    agent: str
    reset_observation: Any
    reset_info: dict[str, Any] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def total_reward(self) -> float:
        """The undiscounted return."""
        return float(sum(step.reward for step in self.steps))

    @property
    def num_turns(self) -> int:
        """Steps taken."""
        return len(self.steps)

    @property
    def success(self) -> bool:
        """Whether the last step reported success."""
        return bool(self.steps and self.steps[-1].info.get("success", False))

    @property
    def done(self) -> bool:
        """Whether the episode ended (terminated or truncated)."""
        return bool(self.steps and (self.steps[-1].terminated or self.steps[-1].truncated))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the summary fields added."""
        record = to_jsonable(asdict(self))
        record.update(
            total_reward=self.total_reward, num_turns=self.num_turns, success=self.success
        )
        return record

    def to_json(self) -> str:
        """One line of JSON; a value JSON cannot hold is written as its ``repr``."""
        return json.dumps(self.to_dict(), ensure_ascii=False, default=repr)
