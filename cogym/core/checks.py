"""Argument checks that fail early with a message saying what to pass instead.

Every env, config and agent checks its arguments through these, so one wording serves
all, and ``True`` is never taken for the integer 1.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from cogym.core.errors import InvalidArgumentError


def require(condition: bool, message: str) -> None:
    """Raise :class:`InvalidArgumentError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise InvalidArgumentError(message)


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer; ``bool`` does not count as one."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_int(
    name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` when it is an int in ``[minimum, maximum]``; raise otherwise.

    :param name: the argument's name, for the message.
    :param value: the value given.
    :param minimum: the smallest allowed value, or ``None`` for no bound.
    :param maximum: the largest allowed value, or ``None`` for no bound.
    """
    inside = is_int(value) and (minimum is None or value >= minimum)
    inside = inside and (maximum is None or value <= maximum)
    if not inside:
        raise InvalidArgumentError(f"{name} must be {_int_range(minimum, maximum)}, got {value!r}")
    return int(value)


def check_number(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
) -> float:
    """Return ``value`` as a float when it is a finite number in range; raise otherwise.

    :param name: the argument's name, for the message.
    :param value: the value given.
    :param minimum: the smallest allowed value, or ``None`` for no bound.
    :param maximum: the largest allowed value, or ``None`` for no bound.
    :param exclusive_minimum: ``minimum`` itself is not allowed.
    """
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and minimum is not None:
        ok = value > minimum if exclusive_minimum else value >= minimum
    if ok and maximum is not None:
        ok = value <= maximum
    if not ok:
        low = "" if minimum is None else f"{'>' if exclusive_minimum else '>='} {minimum:g}"
        high = "" if maximum is None else f"<= {maximum:g}"
        bounds = " and ".join(part for part in (low, high) if part)
        raise InvalidArgumentError(
            f"{name} must be a finite number{' ' + bounds if bounds else ''}, got {value!r}"
        )
    return float(value)


def check_choice(name: str, value: Any, choices: Collection[Any]) -> Any:
    """Return ``value`` when it is one of ``choices``; raise naming them otherwise."""
    if isinstance(value, bool) or value not in choices:
        raise InvalidArgumentError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _int_range(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"an int {minimum}-{maximum}"
    if minimum is not None:
        return f"an int >= {minimum}"
    if maximum is not None:
        return f"an int <= {maximum}"
    return "an int"
