"""Two-player Kuhn poker as a pure game: deal, legal actions, transitions, payoffs.

The rules (Kuhn, 1950): a deck of three cards J < Q < K; each player antes 1 chip and
gets one card. Player 0 acts first. Each decision is one of two actions:

- ``PASS`` (0): check when no bet is outstanding, fold when facing a bet;
- ``BET`` (1): bet 1 chip when no bet is outstanding, call when facing a bet.

Betting sequences, written with ``p`` (pass) and ``b`` (bet), end at ``pp`` (showdown
for the antes), ``bp`` / ``pbp`` (a fold: the bettor takes the pot) or ``bb`` / ``pbb``
(showdown for 2 chips each). At a showdown the higher card wins the pot. Every
terminal is zero-sum: the winner gains exactly what the loser put in.

A :class:`KuhnState` is immutable and offers the small interface that the solvers in
:mod:`cogym.games` take (OpenSpiel's): ``is_chance``, ``chance_outcomes``,
``is_terminal``, ``current_player``, ``legal_actions``, ``child``, ``returns`` and
``information_state_key``. The deal is one chance node with six equally likely outcomes.
No gymnasium import here: the envs are thin views over this module.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from functools import cache

import numpy as np

from cogym.core.errors import InvalidArgumentError

JACK, QUEEN, KING = 0, 1, 2
CARD_NAMES = ("J", "Q", "K")
CARD_WORDS = ("Jack", "Queen", "King")
PASS, BET = 0, 1
ACTION_LETTERS = ("p", "b")
NUM_PLAYERS = 2
NUM_ACTIONS = 2
ANTE = 1
BET_SIZE = 1
#: Every deal, as ``(card of player 0, card of player 1)``; the deal outcome indexes it.
DEALS: tuple[tuple[int, int], ...] = tuple(itertools.permutations(range(3), 2))
DEAL_PROBABILITY = Fraction(1, len(DEALS))
TERMINAL_HISTORIES = frozenset({"pp", "bp", "bb", "pbp", "pbb"})
#: Every non-terminal betting history, in the order a hand reaches them.
DECISION_HISTORIES = ("", "p", "b", "pb")
#: Length of the information-state vector: seat (2) + card (3) + 3 actions x (pass, bet).
INFO_STATE_SIZE = NUM_PLAYERS + len(CARD_NAMES) + 3 * NUM_ACTIONS


def facing_bet(history: str) -> bool:
    """Whether the player to act faces an outstanding bet."""
    return history.endswith("b")


@cache
def contributions(history: str) -> tuple[int, int]:
    """Chips each player has put in the pot after ``history`` (antes included)."""
    chips = [ANTE, ANTE]
    for index, letter in enumerate(history):
        if letter == "b":
            chips[index % 2] += BET_SIZE
    return chips[0], chips[1]


@cache
def payoffs(cards: tuple[int, int], history: str) -> tuple[int, int]:
    """Net chips won by each player at the terminal ``history``; they sum to zero."""
    if history not in TERMINAL_HISTORIES:
        raise InvalidArgumentError(f"{history!r} is not a terminal Kuhn betting history")
    chips = contributions(history)
    folded = history.endswith("bp")
    showdown_winner = 0 if cards[0] > cards[1] else 1
    winner = len(history) % 2 if folded else showdown_winner  # a fold: the seat after the folder
    loser = 1 - winner
    won = [0, 0]
    won[winner], won[loser] = chips[loser], -chips[loser]
    return won[0], won[1]


def info_state_key(card: int, history: str) -> str:
    """The information-state key of the player holding ``card`` after ``history``, e.g.
    ``"K:pb"``. The seat is implied by the length of the history."""
    return f"{CARD_NAMES[card]}:{history}"


def info_state_tensor(player: int, card: int, history: str) -> np.ndarray:
    """One-hot information state: seat, card, and each action taken so far (float32)."""
    vector = np.zeros(INFO_STATE_SIZE, dtype=np.float32)
    vector[player] = 1.0
    vector[NUM_PLAYERS + card] = 1.0
    for index, letter in enumerate(history):
        vector[NUM_PLAYERS + 3 + 2 * index + ACTION_LETTERS.index(letter)] = 1.0
    return vector


class KuhnState:
    """A node of the Kuhn poker game tree; immutable, so children share nothing.

    :param cards: ``(card of player 0, card of player 1)``, or ``None`` before the deal.
    :param history: the betting so far, in ``p``/``b`` letters.
    """

    __slots__ = ("cards", "history")

    def __init__(self, cards: tuple[int, int] | None = None, history: str = "") -> None:
        self.cards = cards
        self.history = history

    def __repr__(self) -> str:
        dealt = "undealt" if self.cards is None else "".join(CARD_NAMES[c] for c in self.cards)
        return f"KuhnState({dealt}, {self.history!r})"

    def is_chance(self) -> bool:
        return self.cards is None

    def chance_outcomes(self) -> list[tuple[int, Fraction]]:
        """``(deal index, probability)`` pairs; the index points into :data:`DEALS`."""
        return [(index, DEAL_PROBABILITY) for index in range(len(DEALS))]

    def is_terminal(self) -> bool:
        return self.history in TERMINAL_HISTORIES

    def current_player(self) -> int:
        """The seat to act (0 or 1); -1 at the chance node, -2 at a terminal."""
        if self.cards is None:
            return -1
        if self.is_terminal():
            return -2
        return len(self.history) % 2

    def legal_actions(self) -> list[int]:
        """At a decision node both actions are always legal; none at a terminal."""
        if self.cards is None:
            return list(range(len(DEALS)))
        return [] if self.is_terminal() else [PASS, BET]

    def child(self, action: int) -> KuhnState:
        """The state after ``action`` (a deal index at the chance node)."""
        if self.cards is None:
            return KuhnState(DEALS[action], "")
        if self.is_terminal():
            raise InvalidArgumentError(f"no action is legal at the terminal {self!r}")
        if action not in (PASS, BET):
            raise InvalidArgumentError(
                f"Kuhn actions are {PASS} (pass) and {BET} (bet); got {action!r}"
            )
        return KuhnState(self.cards, self.history + ACTION_LETTERS[action])

    def returns(self) -> tuple[int, int]:
        """Net chips of each player; zero at non-terminal states."""
        if self.cards is None or not self.is_terminal():
            return 0, 0
        return payoffs(self.cards, self.history)

    def information_state_key(self, player: int) -> str:
        """What ``player`` knows: their card and the public betting."""
        if self.cards is None:
            raise InvalidArgumentError("no information state before the deal")
        return info_state_key(self.cards[player], self.history)

    def information_state_tensor(self, player: int) -> np.ndarray:
        if self.cards is None:
            raise InvalidArgumentError("no information state before the deal")
        return info_state_tensor(player, self.cards[player], self.history)


class KuhnPoker:
    """The game object the solvers take: a root state and the game's sizes."""

    num_players = NUM_PLAYERS
    num_distinct_actions = NUM_ACTIONS

    def new_initial_state(self) -> KuhnState:
        return KuhnState()

    def __repr__(self) -> str:
        return "KuhnPoker()"


def state_in_info_set(key: str) -> KuhnState:
    """A state of the information set ``key`` (e.g. ``"K:pb"``): the hidden card is one
    the player does not hold. Policies read only the key, so any member serves."""
    card_name, _, history = key.partition(":")
    if card_name not in CARD_NAMES or history not in DECISION_HISTORIES:
        raise InvalidArgumentError(
            f"{key!r} is not a Kuhn decision information state such as 'K:pb'"
        )
    player = len(history) % 2
    cards = [0, 0]
    cards[player] = CARD_NAMES.index(card_name)
    cards[1 - player] = (cards[player] + 1) % 3
    return KuhnState((cards[0], cards[1]), history)
