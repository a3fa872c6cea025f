"""The Countdown task schema: which numbers are given and which target to reach."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cogym.core.checks import is_int
from cogym.core.errors import InvalidTaskError
from cogym.core.tasks import check_task_keys, short_repr

MAX_COUNT = 12
MAX_NUMBER = 10**6
MAX_ABS_TARGET = 10**9
TASK_KEYS = ("numbers", "target", "solution")


def _validate_numbers(numbers: Any) -> list[int]:
    """Check the ``numbers`` field and return it as a new list.

    :param numbers: the value given for ``numbers``.
    :return: the numbers as a list of ints.
    """
    if (
        not isinstance(numbers, list | tuple)
        or not 1 <= len(numbers) <= MAX_COUNT
        or not all(is_int(n) and 1 <= n <= MAX_NUMBER for n in numbers)
    ):
        raise InvalidTaskError(
            f"Countdown task needs 'numbers': a list of 1-{MAX_COUNT} positive integers, "
            f"each at most {MAX_NUMBER}; got {short_repr(numbers)}"
        )
    return list(numbers)


def _validate_target(target: Any) -> int:
    """Check the ``target`` field and return it.

    :param target: the value given for ``target``.
    :return: the target.
    """
    if not is_int(target) or abs(target) > MAX_ABS_TARGET:
        raise InvalidTaskError(
            f"Countdown task needs 'target': an integer between {-MAX_ABS_TARGET} and "
            f"{MAX_ABS_TARGET}; got {short_repr(target)}"
        )
    return target


def validate_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """Check a Countdown task against the schema and return a clean copy.

    :param task: a mapping with ``numbers`` (list of 1-12 positive ints), ``target`` (int)
        and optionally ``solution`` (a string, e.g. from the generator).
    :return: ``{"numbers": [...], "target": int}``, plus ``"solution"`` when given.
    """
    check_task_keys(
        task,
        family="Countdown",
        allowed=TASK_KEYS,
        required=("numbers", "target"),
        example="{'numbers': [3, 3, 8, 8], 'target': 24}",
    )
    clean: dict[str, Any] = {
        "numbers": _validate_numbers(task["numbers"]),
        "target": _validate_target(task["target"]),
    }
    if "solution" in task:
        solution = task["solution"]
        if not isinstance(solution, str) or not solution.strip():
            raise InvalidTaskError(
                f"Countdown task 'solution' must be a non-empty expression string such as "
                f"'(3+5)*3'; got {short_repr(solution)}"
            )
        clean["solution"] = solution
    return clean
