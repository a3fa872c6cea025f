"""What a family's verifier says of one answer, usable without the env."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """The verifier's judgement of one answer to one task.

    :param score: the reward the answer earns, usually in [0, 1] (a pass rate for code).
    :param success: whether the task is solved.
    :param feedback_kind: a short machine-readable reason (the env's ``feedback_kind``).
    :param message: feedback for the agent; it never gives away the gold answer.
    :param valid: whether the answer was well-formed (a wrong answer is still valid).
    :param answer: the answer read out of the text, or ``None`` when there was none.
    :param details: family-specific facts (the value reached, tests passed, ...).
    """

    score: float
    success: bool
    feedback_kind: str
    message: str = ""
    valid: bool = True
    answer: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
