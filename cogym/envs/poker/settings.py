"""Checks of the kwargs that the single Kuhn env and its native batch share."""

from __future__ import annotations

from typing import Any

from cogym.core.errors import InvalidArgumentError

SEAT_MODES = ("alternate", "random", 0, 1)


def check_table_settings(seat: Any, **counts: Any) -> None:
    """Raise a clear error for a seat mode that is not one of :data:`SEAT_MODES`, or a
    count (``num_hands=``, ``error_allowance=``...) that is not an int >= 1."""
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgumentError(f"{name} must be an int >= 1, got {value!r}")
    if seat not in SEAT_MODES or isinstance(seat, bool):
        raise InvalidArgumentError(f"seat must be one of {SEAT_MODES}, got {seat!r}")


def default_max_turns(error_allowance: int, num_hands: int) -> int:
    """A turn limit no episode reaches before the rules end it: two decisions per hand,
    each at most ``error_allowance`` turns."""
    return 2 * error_allowance * num_hands
