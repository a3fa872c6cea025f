"""Procedural Countdown tasks that are solvable by construction.

A task is made by drawing the numbers, combining all of them at random into one
expression whose intermediate values are positive integers, and taking its value as the
target. The expression is kept as the task's ``solution``, so every task can be solved
using every number exactly once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from typing import Any

from cogym.core.checks import shown
from cogym.core.config import TaskConfig
from cogym.core.errors import InvalidArgumentError
from cogym.core.tasks import sequence
from cogym.envs.countdown.solver import ExprTree, format_expression, solve
from cogym.envs.countdown.task import MAX_ABS_TARGET, MAX_COUNT, MAX_NUMBER

MAX_TRIES = 1000

Node = tuple[int, ExprTree]


@dataclass(frozen=True)
class CountdownConfig(TaskConfig):
    """How to draw a Countdown task.

    :param count: how many numbers are given (1-12).
    :param min_number: the smallest "small" number.
    :param max_number: the largest "small" number.
    :param large_numbers: the pool of "large" numbers (TV-show style, e.g. 25 50 75 100).
    :param max_large: up to this many numbers (uniformly 0..max_large) are drawn from the
        large pool without replacement; the rest are small.
    :param min_target: the smallest target.
    :param max_target: the largest target.
    :param min_numbers_used: the target must not be reachable with fewer numbers than this
        (2: the target is not simply one of the numbers). The solver checks each candidate,
        so values near ``count`` are slow: with 6 numbers, about 0.05 ms per task at 3,
        10 ms at 5 and 150 ms at 6.
    :param small_copies: 0 draws small numbers uniformly with replacement; ``k > 0`` (at
        most 12) draws them without replacement from ``k`` copies of each value in the range.
    """

    count: int = 4
    min_number: int = 1
    max_number: int = 25
    large_numbers: tuple[int, ...] = ()
    max_large: int = 0
    min_target: int = 10
    max_target: int = 200
    min_numbers_used: int = 2
    small_copies: int = 0

    def validate(self) -> None:
        """Raise :class:`InvalidArgumentError` saying which field is wrong and what to pass."""
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name != "large_numbers":
                self.require(
                    type(value) is int, f"{field.name} must be an integer; got {shown(value)}"
                )
        self.require(1 <= self.count <= MAX_COUNT, f"count must be 1-{MAX_COUNT}; got {self.count}")
        self.require(
            1 <= self.min_number <= self.max_number <= MAX_NUMBER,
            f"need 1 <= min_number <= max_number <= {MAX_NUMBER}; "
            f"got {self.min_number} and {self.max_number}",
        )
        self._validate_large()
        self.require(
            0 <= self.small_copies <= MAX_COUNT
            and (
                self.small_copies == 0
                or self.small_copies * (self.max_number - self.min_number + 1) >= self.count
            ),
            f"small_copies must be 0 (draw with replacement) or enough copies (at most "
            f"{MAX_COUNT}) to draw {self.count} numbers from {self.min_number}..{self.max_number}; "
            f"got {self.small_copies}",
        )
        self.require(
            1 <= self.min_target <= self.max_target <= MAX_ABS_TARGET,
            f"need 1 <= min_target <= max_target <= {MAX_ABS_TARGET}; "
            f"got {self.min_target} and {self.max_target}",
        )
        self.require(
            1 <= self.min_numbers_used <= self.count,
            f"min_numbers_used must be 1..count ({self.count}); got {self.min_numbers_used}",
        )

    def _validate_large(self) -> None:
        """Check ``large_numbers`` and ``max_large``."""
        pool = self.large_numbers
        self.require(
            isinstance(pool, tuple | list)
            and all(type(n) is int and 1 <= n <= MAX_NUMBER for n in pool),
            f"large_numbers must be a tuple of integers 1..{MAX_NUMBER}; got {shown(pool)}",
        )
        self.require(
            0 <= self.max_large <= min(len(pool), self.count),
            f"max_large must be 0..min(len(large_numbers), count) = "
            f"{min(len(pool), self.count)}; got {self.max_large}",
        )


PRESETS: dict[str, CountdownConfig] = {
    "easy": CountdownConfig(
        count=3, min_number=1, max_number=10, min_target=10, max_target=100, min_numbers_used=2
    ),
    "default": CountdownConfig(
        count=4, min_number=1, max_number=25, min_target=10, max_target=250, min_numbers_used=3
    ),
    "hard": CountdownConfig(
        count=6,
        min_number=1,
        max_number=10,
        small_copies=2,
        large_numbers=(25, 50, 75, 100),
        max_large=4,
        min_target=100,
        max_target=999,
        min_numbers_used=3,
    ),
}


def _draw_numbers(rng: random.Random, config: CountdownConfig) -> list[int]:
    """Draw the task's numbers: some from the large pool, the rest small.

    :param rng: the source of randomness.
    :param config: a validated config.
    :return: ``config.count`` numbers in the order drawn.
    """
    n_large = rng.randint(0, config.max_large) if config.max_large else 0
    numbers = rng.sample(config.large_numbers, n_large)
    n_small = config.count - n_large
    low, copies = config.min_number, config.small_copies
    if copies:
        span = config.max_number - low + 1
        numbers += [low + k // copies for k in rng.sample(range(span * copies), n_small)]
    else:
        numbers += [rng.randint(low, config.max_number) for _ in range(n_small)]
    return numbers


def _merges(x: Node, y: Node) -> list[Node]:
    """List the ways to combine two nodes into a positive integer, without ``*1`` or ``/1``.

    :param x: a ``(value, tree)`` pair.
    :param y: another.
    :return: the possible ``(value, tree)`` results.
    """
    (a, ta), (b, tb) = (x, y) if x[0] >= y[0] else (y, x)
    out: list[Node] = [(a + b, ("+", ta, tb))]
    if b > 1:
        out.append((a * b, ("*", ta, tb)))
        if a % b == 0:
            out.append((a // b, ("/", ta, tb)))
    if a > b:
        out.append((a - b, ("-", ta, tb)))
    return out


def _nearest(rng: random.Random, options: list[Node], low: int, high: int) -> Node | None:
    """Pick the option nearest a random goal in ``[low, high]``.

    :param rng: the source of randomness.
    :param options: candidate ``(value, tree)`` pairs.
    :param low: the smallest acceptable value.
    :param high: the largest acceptable value.
    :return: the chosen option, or ``None`` when no option lies in range.
    """
    in_range = [node for node in options if low <= node[0] <= high]
    if not in_range:
        return None
    goal = rng.randint(low, high)
    return min(in_range, key=lambda node: abs(node[0] - goal))


def _random_expression(rng: random.Random, numbers: list[int], low: int, high: int) -> Node | None:
    """Combine all numbers at random into one expression whose value is in ``[low, high]``.

    Pairs are picked at random; each operation is the one whose result lies nearest a
    random goal, in ``[1, high]`` along the way and in ``[low, high]`` at the end. That
    keeps intermediate values at most ``high``, makes few attempts fail, and spreads
    targets over the range instead of bunching them at small sums.

    :param rng: the source of randomness.
    :param numbers: the numbers to combine, each used once.
    :param low: the smallest acceptable value.
    :param high: the largest acceptable value.
    :return: ``(value, tree)``, or ``None`` when this attempt got stuck.
    """
    nodes: list[Node] = [(n, n) for n in numbers]
    while len(nodes) > 1:
        i = rng.randrange(len(nodes))
        j = rng.randrange(len(nodes) - 1)
        j += j >= i
        x, y = nodes[i], nodes[j]
        for k in sorted((i, j), reverse=True):
            nodes[k] = nodes[-1]
            nodes.pop()
        made = _nearest(rng, _merges(x, y), 1 if nodes else low, high)
        if made is None or not nodes:
            return made
        nodes.append(made)
    return nodes[0] if low <= nodes[0][0] <= high else None


def _needs_enough_numbers(numbers: list[int], target: int, min_numbers_used: int) -> bool:
    """Whether no expression with fewer than ``min_numbers_used`` numbers hits the target."""
    if min_numbers_used <= 1:
        return True
    if min_numbers_used == 2:
        return target not in numbers
    return solve(numbers, target, max_numbers=min_numbers_used - 1) is None


def generate_task(rng: random.Random, config: CountdownConfig) -> dict[str, Any]:
    """Draw one solvable Countdown task.

    :param rng: the only source of randomness, so one rng state gives one task.
    :param config: what to draw.
    :return: ``{"numbers": [...] (sorted), "target": int, "solution": str}``; the solution
        uses every number exactly once.
    """
    config.validate()
    for _ in range(MAX_TRIES):
        numbers = _draw_numbers(rng, config)
        made = _random_expression(rng, numbers, config.min_target, config.max_target)
        if made is None:
            continue
        target, tree = made
        if _needs_enough_numbers(numbers, target, config.min_numbers_used):
            return {
                "numbers": sorted(numbers),
                "target": target,
                "solution": format_expression(tree),
            }
    raise InvalidArgumentError(
        f"no Countdown task found in {MAX_TRIES} tries: {config} is too tight; widen the "
        "target range, change the number range, or lower min_numbers_used"
    )


#: ``task_at(config, seed, index)``: task ``index`` of the sequence ``seed``.
task_at = sequence(generate_task)
