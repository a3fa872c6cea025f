"""Argument checks that fail early with a message saying what to pass instead.

Every env, config and agent checks its arguments through these, so one wording serves
all, ``True`` is never taken for the integer 1 (nor ``1.0`` for a choice of 1), and no
NaN or infinity gets through as a number.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection
from pathlib import Path
from typing import Any

from cogym.core.errors import InvalidArgumentError

#: The longest time limit any kwarg takes (a run, a grading call, a tool call), in
#: seconds; longer ones would overflow the clocks that enforce them.
MAX_TIMEOUT_S = 3600.0
#: The shortest time limit any kwarg takes, in seconds.
MIN_TIMEOUT_S = 0.001


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
        raise InvalidArgumentError(
            f"{name} must be {_int_range(minimum, maximum)}, got {shown(value)}"
        )
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
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    try:
        ok = ok and math.isfinite(float(value))
    except OverflowError:  # an int past float's range
        ok = False
    if ok and minimum is not None:
        ok = value > minimum if exclusive_minimum else value >= minimum
    if ok and maximum is not None:
        ok = value <= maximum
    if not ok:
        low = "" if minimum is None else f"{'>' if exclusive_minimum else '>='} {minimum:g}"
        high = "" if maximum is None else f"<= {maximum:g}"
        bounds = " and ".join(part for part in (low, high) if part)
        raise InvalidArgumentError(
            f"{name} must be a finite number{' ' + bounds if bounds else ''}, got {shown(value)}"
        )
    return float(value)


def check_timeout(name: str, value: Any) -> float:
    """Return ``value`` as a float when it is a time limit in seconds, from
    :data:`MIN_TIMEOUT_S` to :data:`MAX_TIMEOUT_S`; raise otherwise.

    :param name: the argument's name, for the message.
    :param value: the value given.
    """
    return check_number(name, value, minimum=MIN_TIMEOUT_S, maximum=MAX_TIMEOUT_S)


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` when it is ``True`` or ``False``; raise otherwise (``"no"`` and
    ``0`` are not booleans).

    :param name: the argument's name, for the message.
    :param value: the value given.
    """
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be True or False, got {shown(value)}")
    return value


def check_text(name: str, value: Any) -> str:
    """Return ``value`` when it is a non-empty string; raise otherwise.

    :param name: the argument's name, for the message.
    :param value: the value given.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{name} must be a non-empty string, got {shown(value)}")
    return value


def check_path(name: str, value: Any) -> Path:
    """Return ``value`` as a :class:`~pathlib.Path` when it is a path (a non-empty ``str``
    or an ``os.PathLike``); raise otherwise. Whether the file exists is not checked.

    :param name: the argument's name, for the message.
    :param value: the value given.
    """
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise InvalidArgumentError(
            f"{name} must be a file path (a str or pathlib.Path), got {shown(value)}"
        )
    return Path(value)


def check_choice(name: str, value: Any, choices: Collection[Any]) -> Any:
    """Return ``value`` when it is one of ``choices`` and of that choice's type; raise
    naming them otherwise (so neither ``True`` nor ``1.0`` is taken for ``1``)."""
    if not isinstance(value, bool):
        for choice in choices:
            if isinstance(value, type(choice)) and value == choice:
                return value
    raise InvalidArgumentError(f"{name} must be one of {list(choices)}, got {shown(value)}")


def shown(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters for a message; never raises (an int
    too long for ``repr`` is described by its size).

    :param value: the value to show.
    :param limit: the longest text returned.
    """
    try:
        text = repr(value)
    except ValueError:  # Python's limit on int-to-string conversion
        text = f"<an int of {value.bit_length()} bits>" if is_int(value) else "<unprintable>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _int_range(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"an int >= {minimum} and <= {maximum}"
    if minimum is not None:
        return f"an int >= {minimum}"
    if maximum is not None:
        return f"an int <= {maximum}"
    return "an int"
