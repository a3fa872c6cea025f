"""A trivially learnable env family for the trainer's tests: reward = the share of the
reply's characters that are digits, every turn, for ``max_turns`` turns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cogym.core.config import TaskConfig
from cogym.core.family import EnvEntry, Family
from cogym.core.task_env import TaskEnv
from cogym.core.tasks import check_task_keys
from cogym.core.text_env import Outcome

DIGITS_ID = "cogym/ToyDigits-v0"


@dataclass(frozen=True)
class DigitsConfig(TaskConfig):
    def validate(self) -> None:
        pass


def generate(rng, config: DigitsConfig) -> dict[str, Any]:
    return {"n": rng.randint(1, 9)}


def validate(task) -> dict[str, Any]:
    check_task_keys(task, family="toy-digits", allowed=("n",), required=("n",), example="{}")
    return {"n": int(task["n"])}


def digit_share(text: str) -> float:
    return sum(c.isdigit() for c in text) / len(text) if text else 0.0


class DigitsEnv(TaskEnv, config=DigitsConfig, generate=generate, validate=validate):
    """Reply with digits: each turn's reward is the share of digits in the reply."""

    def __init__(
        self, *, max_turns: int = 1, nan_at_turn: int = 0, render_mode: str | None = None
    ) -> None:
        self.nan_at_turn = nan_at_turn
        super().__init__(config=DigitsConfig(), max_turns=max_turns, render_mode=render_mode)

    def _start_task(self, options):
        return f"Task {self.task['n']}: reply with digits only, e.g. {self.task['n'] * 7}.", {}

    def _apply_action(self, action: str) -> Outcome:
        share = digit_share(action)
        reward = float("nan") if self.turn == self.nan_at_turn else share
        return Outcome(
            f"{round(share * 100)}% digits. Again.",
            "scored",
            valid=True,
            reward=reward,
            terminated=False,
            success=share >= 0.5,
        )


DIGITS = Family(
    name="toy-digits",
    env_class=DigitsEnv,
    envs=(EnvEntry(DIGITS_ID, "Reply with digits (a family defined in the trainer tests)"),),
)
