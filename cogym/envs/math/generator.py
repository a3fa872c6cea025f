"""Procedural math tasks with exact gold answers, drawn from several families.

A task is ``{"family", "difficulty", "question", "answer", "data"}``: the question is
plain text that asks for the answer in ``\\boxed{}``, the answer is a string that
math-verify parses (``"42"``, ``"-\\frac{3}{4}"``, ``"\\{-2, 3\\}"``, ``"(1, -2)"``), and
``data`` holds the drawn parameters, enough to recompute the answer. The families live in
:mod:`cogym.envs.math.families`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from cogym.core.checks import shown
from cogym.core.config import TaskConfig
from cogym.core.tasks import sequence
from cogym.envs.math.families import FAMILIES

__all__ = ["FAMILIES", "MAX_DIFFICULTY", "MathConfig", "generate_task", "task_at"]

MAX_DIFFICULTY = 3


@dataclass(frozen=True)
class MathConfig(TaskConfig):
    """Which math tasks to draw.

    :param families: the family names to draw from, uniformly; empty means all of
        :data:`FAMILIES`.
    :param min_difficulty: the lowest difficulty (1-3).
    :param max_difficulty: the highest difficulty (1-3); each task's difficulty is drawn
        uniformly from ``min_difficulty..max_difficulty``.
    """

    families: tuple[str, ...] = ()
    min_difficulty: int = 1
    max_difficulty: int = MAX_DIFFICULTY

    def validate(self) -> None:
        """Raise :class:`InvalidArgumentError` saying which field is wrong and what to pass."""
        known = ", ".join(FAMILIES)
        self.require(
            isinstance(self.families, tuple | list)
            and all(isinstance(name, str) for name in self.families),
            f"families must be a tuple of family names ({known}); got {shown(self.families)}",
        )
        unknown = [name for name in self.families if name not in FAMILIES]
        self.require(not unknown, f"unknown families {unknown}; choose from {known}")
        for field in ("min_difficulty", "max_difficulty"):
            value = getattr(self, field)
            self.require(
                type(value) is int and 1 <= value <= MAX_DIFFICULTY,
                f"{field} must be an integer 1-{MAX_DIFFICULTY}; got {shown(value)}",
            )
        self.require(
            self.min_difficulty <= self.max_difficulty,
            f"min_difficulty ({self.min_difficulty}) must not exceed max_difficulty "
            f"({self.max_difficulty})",
        )

    def family_names(self) -> tuple[str, ...]:
        """The families to draw from, in a fixed order and without repeats."""
        return tuple(dict.fromkeys(self.families)) if self.families else tuple(FAMILIES)


def generate_task(rng: random.Random, config: MathConfig) -> dict[str, Any]:
    """Draw one math task: a family and a difficulty uniformly, then the family's task.

    :param rng: the only source of randomness, so one rng state gives one task.
    :param config: what to draw.
    :return: ``{"family": str, "difficulty": int, "question": str, "answer": str,
        "data": dict}``.
    """
    config.validate()
    family = rng.choice(config.family_names())
    difficulty = rng.randint(config.min_difficulty, config.max_difficulty)
    body = FAMILIES[family](rng, difficulty)
    return {"family": family, "difficulty": difficulty, **body}


#: ``task_at(config, seed, index)``: task ``index`` of the sequence ``seed``.
task_at = sequence(generate_task)
