"""Who sits in the other seat of the single-seat Kuhn env.

``opponent=`` takes a name (``"nash"``, ``"random"``, ``"always_bet"``,
``"always_check"``), a policy from :mod:`cogym.games` (anything with
``action_probabilities(state, player)``), a callable, or an agent (anything with
``act(observation, info)``, such as an LLM agent or :class:`~cogym.envs.poker.agents.CFRAgent`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

import numpy as np

from cogym.core.errors import InvalidArgumentError
from cogym.envs.poker.game import BET, DECISION_HISTORIES, PASS, info_state_key
from cogym.envs.poker.hand import Hand, MoveResult
from cogym.envs.poker.nash import nash_policy
from cogym.envs.poker.text import RULES, legal_moves, parse_move
from cogym.games import TabularPolicy

OPPONENT_NAMES = ("nash", "random", "always_bet", "always_check")


class Opponent:
    """Plays one seat of a :class:`Hand` whenever that seat is to move."""

    def start_hand(self, hand: Hand, seat: int) -> None:
        """A new hand begins, with this opponent in ``seat``."""

    def move(self, hand: Hand, seat: int, rng: np.random.Generator) -> MoveResult:
        """Make one legal move for ``seat``, which is to move."""
        raise NotImplementedError


class TableOpponent(Opponent):
    """Bets (or calls) with a probability looked up by information state.

    :param bet_probability: ``{info_state_key: P(bet)}`` for every decision.
    """

    def __init__(self, bet_probability: Mapping[str, float]) -> None:
        self.bet_probability = dict(bet_probability)

    def move(self, hand: Hand, seat: int, rng: np.random.Generator) -> MoveResult:
        p_bet = self.bet_probability[hand.info_state_key(seat)]
        return hand.play(BET if rng.random() < p_bet else PASS)


class PolicyOpponent(Opponent):
    """Samples from a solver policy (``action_probabilities(state, player)``)."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy

    def move(self, hand: Hand, seat: int, rng: np.random.Generator) -> MoveResult:
        probs = self.policy.action_probabilities(hand.state, seat)
        return hand.play(BET if rng.random() < float(probs.get(BET, 0.0)) else PASS)


def _read_choice(choice: Any, history: str, rng: np.random.Generator) -> tuple[int | None, str]:
    """An opponent's answer as an action index, or ``None`` and what was wrong with it."""
    if isinstance(choice, Mapping):
        return (BET if rng.random() < float(choice.get(BET, 0.0)) else PASS), ""
    if isinstance(choice, str):
        parsed = parse_move(choice, history)
        return parsed.action, parsed.message
    if isinstance(choice, (int, np.integer)) and not isinstance(choice, bool) and choice in (0, 1):
        return int(choice), ""
    return None, f"Invalid move {choice!r}: reply with one of {', '.join(legal_moves(history))}."


class CallableOpponent(Opponent):
    """Asks ``fn(info_state_key)`` for an action index, a text move or probabilities.

    An answer that is not a legal move is asked again, up to ``tries`` times; then the
    opponent passes.
    """

    def __init__(self, fn: Callable[[str], Any], tries: int = 3) -> None:
        self.fn = fn
        self.tries = tries

    def move(self, hand: Hand, seat: int, rng: np.random.Generator) -> MoveResult:
        for _ in range(self.tries):
            action, _why = _read_choice(self.fn(hand.info_state_key(seat)), hand.history, rng)
            if action is not None:
                return hand.play(action)
        return hand.play(PASS)


class AgentOpponent(Opponent):
    """Lets an agent play the seat through the same text (or index) moves as the player.

    The agent is reset at each hand and sees the rules with its first observation. An
    invalid move is answered with what was wrong and asked again, up to ``tries`` times
    in a row; then the opponent passes (checks, or folds facing a bet), so the player's
    hand always goes on.
    """

    def __init__(self, agent: Any, tries: int = 3) -> None:
        self.agent = agent
        self.tries = tries
        self._seen = 0
        self._opening: str | None = None

    def start_hand(self, hand: Hand, seat: int) -> None:
        if hasattr(self.agent, "reset"):
            self.agent.reset()
        self._seen, self._opening = 0, f"{RULES}\n{hand.opening_text(seat)}"

    def move(self, hand: Hand, seat: int, rng: np.random.Generator) -> MoveResult:
        observation = self._opening or hand.situation_text(seat, self._seen)
        self._opening = None
        info = hand.decision_info(seat)
        for _ in range(self.tries):
            action, why = _read_choice(self.agent.act(observation, info), hand.history, rng)
            if action is not None:
                break
            observation = why
        result = hand.play(PASS if action is None else action)
        self._seen = len(hand.history)
        return result


def _constant(p_bet: float) -> dict[str, float]:
    return {
        info_state_key(card, history): p_bet for card in range(3) for history in DECISION_HISTORIES
    }


def make_opponent(opponent: Any, alpha: float, tries: int = 3) -> Opponent:
    """The :class:`Opponent` for the env's ``opponent`` and ``opponent_alpha`` kwargs.

    :param tries: answers without a legal move an agent or callable gets before it passes.
    """
    if isinstance(opponent, Opponent):
        return opponent
    if isinstance(opponent, str):
        if opponent == "nash":
            if not isinstance(alpha, Real) or not 0 <= alpha <= 1 / 3:
                raise InvalidArgumentError(
                    f"opponent_alpha must be a number in [0, 1/3], got {alpha!r}"
                )
            table = nash_policy(float(alpha)).table
            return TableOpponent({key: float(probs.get(BET, 0)) for key, probs in table.items()})
        constants = {"random": 0.5, "always_bet": 1.0, "always_check": 0.0}
        if opponent in constants:
            return TableOpponent(_constant(constants[opponent]))
        raise InvalidArgumentError(
            f"unknown opponent {opponent!r}; use one of {', '.join(OPPONENT_NAMES)}, a policy, "
            "a callable or an agent"
        )
    if hasattr(opponent, "action_probabilities"):
        return PolicyOpponent(opponent)
    if hasattr(opponent, "act"):
        return AgentOpponent(opponent, tries)
    if callable(opponent):
        return CallableOpponent(opponent, tries)
    raise InvalidArgumentError(
        f"opponent must be a name ({', '.join(OPPONENT_NAMES)}), a policy, a callable or an "
        f"agent; got {type(opponent).__name__}"
    )


def opponent_policy(opponent: Opponent) -> Any:
    """The solver policy an opponent plays, for best responses and exact values; ``None``
    for callables and agents, whose policy is not known in closed form."""
    if isinstance(opponent, TableOpponent):
        table = opponent.bet_probability
        return TabularPolicy({key: {PASS: 1.0 - p, BET: p} for key, p in table.items()})
    if isinstance(opponent, PolicyOpponent):
        return opponent.policy
    return None
