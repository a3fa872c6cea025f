"""Kuhn poker in words: what each seat is told, and how a text move is read.

Moves are written in square brackets: ``[check]`` and ``[bet]`` when no bet is
outstanding, ``[call]`` and ``[fold]`` when facing one. A reply may reason first: the
last bracketed move in it counts. A reply that is just the bare word (``call``) counts
too. Matching ignores case and inner spaces.

The texts depend on a handful of cards and histories only, so they are cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from cogym.envs.poker.game import BET, CARD_NAMES, PASS, contributions, facing_bet

RULES = (
    "You are playing Kuhn poker against one opponent.\n"
    "Rules: the deck has three cards, J < Q < K. Each player antes 1 chip and is dealt one "
    "card; the third card stays hidden. Player 0 acts first. With no bet outstanding you "
    "may [check] or [bet] (add 1 chip). Facing a bet you may [call] (add 1 chip) or [fold] "
    "(give up the pot). The hand ends after two checks or a call (showdown: the higher "
    "card takes the pot) or after a fold (the bettor takes the pot).\n"
    "Reply with exactly one legal move in square brackets, for example [check]."
)
OPEN_MOVES = ("[check]", "[bet]")
FACING_MOVES = ("[fold]", "[call]")
_MOVE_PATTERN = re.compile(r"\[\s*(check|bet|call|fold)\s*\]", re.IGNORECASE)
_BARE_MOVES = frozenset({"check", "bet", "call", "fold"})
_MOVE_ACTIONS = {
    False: {"check": PASS, "bet": BET},
    True: {"fold": PASS, "call": BET},
}


def move_name(history: str, action: int) -> str:
    """The word for ``action`` taken after ``history``: check, bet, call or fold."""
    if facing_bet(history):
        return "call" if action == BET else "fold"
    return "bet" if action == BET else "check"


def legal_moves(history: str) -> list[str]:
    """The legal moves after ``history``, bracketed, in action order (pass, bet)."""
    return list(FACING_MOVES if facing_bet(history) else OPEN_MOVES)


@dataclass(frozen=True)
class ParsedMove:
    """A text move read against the betting so far.

    :param action: ``PASS``/``BET``, or ``None`` when the text holds no legal move.
    :param feedback_kind: ``"ok"``, ``"no_move"`` or ``"illegal_move"``.
    :param message: what was wrong, for the observation (empty when ``ok``).
    """

    action: int | None
    feedback_kind: str
    message: str = ""


def parse_move(text: str, history: str) -> ParsedMove:
    """Read the move in ``text`` (the last bracketed one, or a bare move word)."""
    found = _MOVE_PATTERN.findall(text)
    if found:
        word = found[-1].lower()
    else:
        word = text.strip().strip(".!").lower()
        if word not in _BARE_MOVES:
            return ParsedMove(
                None,
                "no_move",
                f"Invalid move: no move found. Write one of {', '.join(legal_moves(history))}.",
            )
    facing = facing_bet(history)
    action = _MOVE_ACTIONS[facing].get(word)
    if action is None:
        why = "you face a bet" if facing else "there is no bet to answer"
        return ParsedMove(
            None,
            "illegal_move",
            f"Invalid move: [{word}] is not legal now ({why}). "
            f"Legal moves: {', '.join(legal_moves(history))}.",
        )
    return ParsedMove(action, "ok")


def _seat_name(player: int, viewer: int) -> str:
    return "you" if player == viewer else "the opponent"


@cache
def narrate(history: str, start: int, viewer: int) -> str:
    """The moves ``history[start:]`` as seen by ``viewer``: "You bet. The opponent called."."""
    sentences = []
    for index in range(start, len(history)):
        actor = _seat_name(index % 2, viewer)
        word = move_name(history[:index], PASS if history[index] == "p" else BET)
        verb = {"check": "checked", "bet": "bet", "call": "called", "fold": "folded"}[word]
        sentences.append(f"{actor[0].upper()}{actor[1:]} {verb}.")
    return " ".join(sentences)


@cache
def decision_text(viewer: int, card: int, history: str) -> str:
    """The situation of ``viewer`` about to act: card, betting, pot and legal moves."""
    betting = narrate(history, 0, viewer) or "nothing yet (you act first)."
    move = your_move_text(viewer, history)
    return f"Your card: {CARD_NAMES[card]}. Betting so far: {betting}\n{move}"


@cache
def your_move_text(viewer: int, history: str) -> str:
    """The pot, and the legal moves of ``viewer``, who is to act after ``history``."""
    mine, theirs = contributions(history)[viewer], contributions(history)[1 - viewer]
    return (
        f"Pot: {mine + theirs} chips (you put in {mine}, the opponent {theirs}).\n"
        f"Your move. Legal moves: {', '.join(legal_moves(history))}"
    )


def seat_text(viewer: int) -> str:
    """Which seat ``viewer`` holds."""
    order = "first" if viewer == 0 else "second"
    return f"You are player {viewer} (you act {order})."


@cache
def showdown_text(viewer: int, cards: tuple[int, int], history: str, won: int) -> str:
    """How a finished hand ended, for ``viewer``, who won ``won`` chips (may be < 0).

    Cards are shown at a showdown only; a fold ends the hand unseen, as at a real table."""
    if history.endswith("bp"):
        return _result(won)
    mine, theirs = CARD_NAMES[cards[viewer]], CARD_NAMES[cards[1 - viewer]]
    higher = "your" if cards[viewer] > cards[1 - viewer] else "the opponent's"
    return f"Showdown: your {mine} against the opponent's {theirs}; {higher} card wins. " + (
        _result(won)
    )


@cache
def forfeit_text(viewer: int, forfeiter: int, won: int) -> str:
    """A hand lost by ``forfeiter`` after too many invalid moves in a row."""
    who = "You" if forfeiter == viewer else "The opponent"
    return f"{who} made too many invalid moves in a row and forfeited the hand. {_result(won)}"


def _result(won: int) -> str:
    if won > 0:
        return f"You win {won} chip{'s' if won != 1 else ''}."
    if won < 0:
        return f"You lose {-won} chip{'s' if won != -1 else ''}."
    return "Nobody wins chips."
