"""One hand of Kuhn poker between two seats that move in text or by action index.

:class:`Hand` adds to the pure game what a text game needs: reading text moves, the
error allowance (after ``error_allowance`` invalid moves in a row a seat forfeits the
hand: it loses the chips it has put in, which the other seat wins), and what each seat
is told. The Gymnasium env, the PettingZoo env and the self-play runner all play hands
through it, so every view follows the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cogym.envs.poker import text
from cogym.envs.poker.game import (
    BET,
    CARD_NAMES,
    PASS,
    TERMINAL_HISTORIES,
    KuhnState,
    contributions,
    info_state_key,
    info_state_tensor,
    payoffs,
)


@dataclass(frozen=True)
class MoveResult:
    """What became of one move.

    :param valid: the move was legal and applied.
    :param feedback_kind: ``"ok"``, ``"no_move"``, ``"illegal_move"``, ``"not_text"``,
        ``"invalid_action"`` (an index other than 0 or 1) or ``"forfeit"`` (an invalid move
        that used up the error allowance).
    :param message: what was wrong, for the mover (empty when valid).
    """

    valid: bool
    feedback_kind: str
    message: str = ""


class Hand:
    """A hand from the deal to its end.

    :param cards: ``(card of player 0, card of player 1)``.
    :param error_allowance: invalid moves in a row that forfeit the hand.
    """

    __slots__ = ("cards", "error_allowance", "forfeited_by", "history", "invalid_in_a_row")

    def __init__(self, cards: tuple[int, int], error_allowance: int = 3) -> None:
        self.cards = cards
        self.error_allowance = error_allowance
        self.history = ""
        self.invalid_in_a_row = [0, 0]
        self.forfeited_by: int | None = None

    @property
    def over(self) -> bool:
        return self.forfeited_by is not None or self.history in TERMINAL_HISTORIES

    @property
    def current_player(self) -> int:
        """The seat to move, or -2 once the hand is over."""
        return -2 if self.over else len(self.history) % 2

    @property
    def state(self) -> KuhnState:
        """The game-tree state (a forfeited hand stays at the state where it stopped)."""
        return KuhnState(self.cards, self.history)

    def returns(self) -> tuple[int, int]:
        """Net chips of each seat; (0, 0) while the hand is in play."""
        if self.forfeited_by is not None:
            lost = contributions(self.history)[self.forfeited_by]
            return (-lost, lost) if self.forfeited_by == 0 else (lost, -lost)
        return payoffs(self.cards, self.history) if self.over else (0, 0)

    def info_state_key(self, player: int) -> str:
        return info_state_key(self.cards[player], self.history)

    def info_state_tensor(self, player: int) -> np.ndarray:
        return info_state_tensor(player, self.cards[player], self.history)

    def legal_moves(self) -> list[str]:
        return [] if self.over else text.legal_moves(self.history)

    @property
    def cards_text(self) -> str:
        """Player 0's card, then player 1's, e.g. ``"KQ"``."""
        return CARD_NAMES[self.cards[0]] + CARD_NAMES[self.cards[1]]

    def decision_info(self, seat: int) -> dict[str, Any]:
        """The info an agent moving for ``seat`` is given with its observation."""
        return {
            "seat": seat,
            "info_state": self.info_state_key(seat),
            "legal_actions": self.legal_moves(),
            "action_mask": np.ones(2, dtype=np.int8),
        }

    # -- moving ----------------------------------------------------------------------

    def play(self, action: int) -> MoveResult:
        """Apply an action index (0 pass, 1 bet) for the seat to move."""
        if action not in (PASS, BET):
            return self.invalid(
                "invalid_action", f"Invalid action {action!r}: use 0 (pass) or 1 (bet)."
            )
        self.invalid_in_a_row[len(self.history) % 2] = 0
        self.history += "b" if action == BET else "p"
        return MoveResult(True, "ok")

    def play_text(self, move: str) -> MoveResult:
        """Read and apply a text move for the seat to move."""
        parsed = text.parse_move(move, self.history)
        if parsed.action is None:
            return self.invalid(parsed.feedback_kind, parsed.message)
        return self.play(parsed.action)

    def invalid(self, feedback_kind: str, message: str) -> MoveResult:
        """Count an invalid move by the seat to move; forfeit at the allowance."""
        player = len(self.history) % 2
        self.invalid_in_a_row[player] += 1
        count = self.invalid_in_a_row[player]
        if count >= self.error_allowance:
            self.forfeited_by = player
            return MoveResult(False, "forfeit", message)
        warning = (
            f" ({count} invalid move{'s' if count > 1 else ''} in a row; at "
            f"{self.error_allowance} you forfeit the hand.)"
        )
        return MoveResult(False, feedback_kind, message + warning)

    # -- what a seat is told ---------------------------------------------------------

    def opening_text(self, viewer: int) -> str:
        """The hand as ``viewer`` first sees it: seat, card, betting so far, legal moves."""
        situation = (
            self.situation_text(viewer, 0)
            if self.over
            else text.decision_text(viewer, self.cards[viewer], self.history)
        )
        return f"{text.seat_text(viewer)}\n{situation}"

    def situation_text(self, viewer: int, seen: int) -> str:
        """For ``viewer``, who has seen ``history[:seen]``: the moves since, then either
        the result or their next decision."""
        news = text.narrate(self.history, seen, viewer)
        if self.over:
            won = self.returns()[viewer]
            if self.forfeited_by is not None:
                result = text.forfeit_text(viewer, self.forfeited_by, won)
            else:
                result = text.showdown_text(viewer, self.cards, self.history, won)
            return f"{news} {result}" if news else result
        move = text.your_move_text(viewer, self.history)
        return f"{news}\n{move}" if news else move
