"""Kuhn's (1950) one-parameter family of Nash equilibria of two-player Kuhn poker.

Player 0 picks ``alpha`` in ``[0, 1/3]``: with the Jack bet with probability ``alpha``,
with the Queen check, with the King bet with probability ``3 * alpha``; after a check and
a bet, fold the Jack, call with the Queen with probability ``alpha + 1/3``, call with the
King. Player 1's equilibrium strategy is unique: facing a bet, fold the Jack, call with
the Queen with probability 1/3, call with the King; after a check, bet the Jack with
probability 1/3, check the Queen, bet the King. Every member gives player 0 the game
value, -1/18 of a chip per hand.
"""

from __future__ import annotations

from fractions import Fraction

from cogym.core.errors import InvalidArgumentError
from cogym.envs.poker.game import BET, JACK, KING, PASS, QUEEN, info_state_key
from cogym.games.policy import TabularPolicy
from cogym.games.state import Probability

#: Player 0's expected return under any equilibrium (player 1's is the negative).
GAME_VALUE = Fraction(-1, 18)


def nash_policy(alpha: int | float | Fraction = Fraction(0)) -> TabularPolicy:
    """Both seats' equilibrium strategies for one ``alpha``, as one table over all twelve
    information states.

    :param alpha: player 0's bluffing probability with the Jack, in ``[0, 1/3]``. An int
        or Fraction gives exact Fractions; a float gives floats.
    """
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | Fraction):
        raise InvalidArgumentError(
            f"alpha must be a number in [0, 1/3], e.g. Fraction(1, 6); got {alpha!r}"
        )
    if isinstance(alpha, float):
        zero, one, third = 0.0, 1.0, 1 / 3
    else:
        alpha, zero, one, third = Fraction(alpha), Fraction(0), Fraction(1), Fraction(1, 3)
    if not zero <= alpha <= third:
        raise InvalidArgumentError(
            f"alpha must lie in [0, 1/3] (Kuhn's equilibria); got {alpha}. "
            "Pass e.g. 0, Fraction(1, 6) or Fraction(1, 3)"
        )
    # The probability of BET at each (history, card); PASS takes the rest.
    bets: dict[str, dict[int, Probability]] = {
        "": {JACK: alpha, QUEEN: zero, KING: 3 * alpha},
        "pb": {JACK: zero, QUEEN: alpha + third, KING: one},
        "b": {JACK: zero, QUEEN: third, KING: one},
        "p": {JACK: third, QUEEN: zero, KING: one},
    }
    return TabularPolicy(
        {
            info_state_key(card, history): {PASS: one - bet, BET: bet}
            for history, by_card in bets.items()
            for card, bet in by_card.items()
        }
    )
