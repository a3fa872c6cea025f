"""Checks of the kwargs that the single Kuhn env and its native batch share."""

from __future__ import annotations

from typing import Any

from cogym.core.checks import check_choice, check_int

SEAT_MODES = ("alternate", "random", 0, 1)
#: The largest count a table setting takes (``num_hands``, ``num_envs``).
MAX_COUNT = 10**6
#: The largest ``error_allowance``.
MAX_ERROR_ALLOWANCE = 100


def check_table_settings(seat: Any, **counts: Any) -> None:
    """Raise a clear error for a seat mode that is not one of :data:`SEAT_MODES`, or a
    count (``num_hands=``, ``error_allowance=``...) that is not an int from 1 to
    :data:`MAX_COUNT` (:data:`MAX_ERROR_ALLOWANCE` for ``error_allowance``)."""
    for name, value in counts.items():
        limit = MAX_ERROR_ALLOWANCE if name == "error_allowance" else MAX_COUNT
        check_int(name, value, minimum=1, maximum=limit)
    check_choice("seat", seat, SEAT_MODES)


def default_max_turns(error_allowance: int, num_hands: int) -> int:
    """A turn limit no episode reaches before the rules end it: two decisions per hand,
    each at most ``error_allowance`` turns."""
    return 2 * error_allowance * num_hands
