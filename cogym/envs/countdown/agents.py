"""Countdown baselines: the exact solver and a random-expression guesser."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from cogym.core.agent import TaskAgent
from cogym.envs.countdown.solver import solve


class SolverAgent(TaskAgent):
    """Answers with an expression found by exhaustive search.

    Solves every solvable puzzle on its first turn; on an unsolvable one it answers
    the first number (a valid, wrong answer).

    :param use_all: whether the env requires every number exactly once.
    """

    def __init__(self, use_all: bool = False) -> None:
        super().__init__()
        self.use_all = use_all
        self._answer: str | None = None

    def reset(self) -> None:
        super().reset()
        self._answer = None

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        task = self.current_task(info)
        if self._answer is None:
            found = solve(task["numbers"], task["target"], use_all=self.use_all)
            self._answer = found if found is not None else str(task["numbers"][0])
        return f"<answer>{self._answer}</answer>"


class RandomExpressionAgent(TaskAgent):
    """Guesses a random well-formed expression over a random subset of the numbers.

    It never divides by zero, so every guess is a valid answer.

    The chance baseline for Countdown: it always follows the rules, so its success
    rate is how often luck alone reaches the target.

    :param use_all: use every number (else a random non-empty subset).
    :param seed: seeds the agent's generator.
    """

    def __init__(self, use_all: bool = False, seed: int | None = None) -> None:
        super().__init__()
        self.use_all = use_all
        self.rng = random.Random(seed)

    def spawn(self) -> RandomExpressionAgent:
        """A new guesser seeded from this one, so parallel episodes differ."""
        return RandomExpressionAgent(self.use_all, seed=self.rng.getrandbits(64))

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        numbers = list(self.current_task(info)["numbers"])
        self.rng.shuffle(numbers)
        if not self.use_all:
            numbers = numbers[: self.rng.randint(1, len(numbers))]
        terms = [(str(number), Fraction(number)) for number in numbers]
        while len(terms) > 1:
            i = self.rng.randrange(len(terms) - 1)
            (left, a), (right, b) = terms[i], terms[i + 1]
            op = self.rng.choice("+-*" if b == 0 else "+-*/")
            value = {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else a}[op]
            terms[i : i + 2] = [(f"({left} {op} {right})", value)]
        expression = terms[0][0]
        if expression.startswith("("):
            expression = expression[1:-1]
        return f"<answer>{expression}</answer>"
