"""The small game interface the solvers take (OpenSpiel's), written as typing protocols.

Any finite game of two or more players with perfect recall fits it (Kuhn poker's
``KuhnPoker`` and its states do): the solvers never look inside a state.
Information-state keys must tell the acting seat apart (in Kuhn poker the length of the
betting history says whose turn it is), since a policy is one table over all keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Protocol

#: A probability or an expected value: exact (int, Fraction) or float.
Probability = int | float | Fraction


class GameState(Protocol):
    """A node of a game tree: a chance node, a decision node of one seat, or a terminal."""

    def is_chance(self) -> bool: ...

    def chance_outcomes(self) -> Sequence[tuple[int, Probability]]: ...

    def is_terminal(self) -> bool: ...

    def current_player(self) -> int: ...

    def legal_actions(self) -> Sequence[int]: ...

    def child(self, action: int) -> GameState: ...

    def returns(self) -> Sequence[Probability]: ...

    def information_state_key(self, player: int) -> str: ...


class Game(Protocol):
    """A game: its number of seats and a fresh root state."""

    num_players: int

    def new_initial_state(self) -> GameState: ...
