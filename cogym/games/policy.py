"""Policies: a player's action probabilities at each information state.

A policy answers ``action_probabilities(state, player)`` with a dict from legal actions to
probabilities that sum to 1 (an action left out has probability 0). Probabilities may be
exact (``int``/``Fraction``), so that the evaluation and best-response code computes exact
values, or floats, as CFR gives them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

import numpy as np

from cogym.core.errors import InvalidArgumentError
from cogym.games.state import Game, GameState, Probability

#: How far the probabilities of a float table entry may sum from 1.
SUM_TOLERANCE = 1e-6


@runtime_checkable
class Policy(Protocol):
    """Anything that gives a player's action probabilities at a state."""

    def action_probabilities(self, state: GameState, player: int) -> dict[int, Probability]: ...


@lru_cache(maxsize=64)
def _uniform_share(num_actions: int) -> Fraction:
    return Fraction(1, num_actions)


class UniformPolicy:
    """Every legal action with the same exact probability, ``Fraction(1, n)``."""

    def action_probabilities(self, state: GameState, player: int) -> dict[int, Probability]:
        actions = state.legal_actions()
        return dict.fromkeys(actions, _uniform_share(len(actions)))

    def __repr__(self) -> str:
        return "UniformPolicy()"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Fraction) and not isinstance(value, bool)


def _checked_entry(key: Any, probabilities: Any) -> dict[int, Probability]:
    """Copy one table entry after checking that it is a probability distribution."""
    if not isinstance(key, str):
        raise InvalidArgumentError(
            f"policy table keys are information-state keys (str), e.g. 'K:pb'; got {key!r}"
        )
    if not isinstance(probabilities, Mapping) or not probabilities:
        raise InvalidArgumentError(
            f"the policy table entry for {key!r} must be a non-empty mapping from action (int) "
            f"to probability, e.g. {{0: 0.5, 1: 0.5}}; got {probabilities!r}"
        )
    entry: dict[int, Probability] = {}
    for action, probability in probabilities.items():
        if not isinstance(action, int) or isinstance(action, bool):
            raise InvalidArgumentError(
                f"actions in the policy table entry for {key!r} must be ints; got {action!r}"
            )
        if not _is_number(probability) or not probability >= 0:
            raise InvalidArgumentError(
                f"the probability of action {action} at {key!r} must be a number >= 0 "
                f"(int, float or Fraction); got {probability!r}"
            )
        entry[action] = probability
    total = sum(entry.values())
    exact = not any(isinstance(p, float) for p in entry.values())
    if (total != 1) if exact else (abs(total - 1) > SUM_TOLERANCE):
        raise InvalidArgumentError(
            f"the probabilities at {key!r} must sum to 1; they sum to {total}: {entry!r}"
        )
    return entry


class TabularPolicy:
    """A policy given as a table from information-state key to action probabilities.

    :param table: ``{info_state_key: {action: probability}}``, e.g.
        ``{"K:": {0: 0, 1: 1}}``; each entry must sum to 1 (exactly when no entry is a
        float, else within :data:`SUM_TOLERANCE`). The table is copied.
    :param default: the policy used at a key missing from the table; uniform when ``None``.
    """

    def __init__(
        self,
        table: Mapping[str, Mapping[int, Probability]],
        default: Policy | None = None,
    ) -> None:
        if not isinstance(table, Mapping):
            raise InvalidArgumentError(
                f"table must be a mapping {{info_state_key: {{action: probability}}}}; "
                f"got {type(table).__name__}"
            )
        if default is not None and not isinstance(default, Policy):
            raise InvalidArgumentError(
                f"default must be a policy (with action_probabilities) or None; got {default!r}"
            )
        self.table: dict[str, dict[int, Probability]] = {
            key: _checked_entry(key, probabilities) for key, probabilities in table.items()
        }
        self.default: Policy = UniformPolicy() if default is None else default

    def action_probabilities(self, state: GameState, player: int) -> dict[int, Probability]:
        entry = self.table.get(state.information_state_key(player))
        if entry is None:
            return self.default.action_probabilities(state, player)
        return dict(entry)

    def to_dict(self) -> dict[str, dict[str, int | float | str]]:
        """The table in a JSON-ready form: action keys as strings, Fractions as ``"1/3"``."""
        return {
            key: {
                str(action): str(p) if isinstance(p, Fraction) else p for action, p in entry.items()
            }
            for key, entry in self.table.items()
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Mapping[str, int | float | str]], default: Policy | None = None
    ) -> TabularPolicy:
        """Read back what :meth:`to_dict` wrote (strings become exact Fractions).

        :param data: ``{info_state_key: {"action": probability}}``.
        :param default: as for the constructor.
        """
        if not isinstance(data, Mapping):
            raise InvalidArgumentError(
                f"data must be the mapping that TabularPolicy.to_dict() writes; got {data!r}"
            )
        table: dict[str, dict[int, Probability]] = {}
        for key, entry in data.items():
            if not isinstance(entry, Mapping):
                raise InvalidArgumentError(
                    f"the entry for {key!r} must map actions to probabilities; got {entry!r}"
                )
            table[key] = {
                _parse_action(key, a): _parse_probability(key, p) for a, p in entry.items()
            }
        return cls(table, default)

    def __repr__(self) -> str:
        return f"TabularPolicy({len(self.table)} information states)"


def _parse_action(key: str, action: Any) -> int:
    try:
        return int(action)
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"actions at {key!r} must be ints or digit strings like '1'; got {action!r}"
        ) from None


def _parse_probability(key: str, probability: Any) -> Probability:
    if isinstance(probability, str):
        try:
            return Fraction(probability)
        except (ValueError, ZeroDivisionError):
            raise InvalidArgumentError(
                f"a probability at {key!r} given as text must be a fraction like '1/3'; "
                f"got {probability!r}"
            ) from None
    return probability


class FunctionPolicy:
    """A policy computed from the information-state key by a function.

    :param fn: ``fn(info_state_key) -> {action: probability}``.
    """

    def __init__(self, fn: Callable[[str], Mapping[int, Probability]]) -> None:
        if not callable(fn):
            raise InvalidArgumentError(
                f"fn must be callable as fn(info_state_key) -> {{action: probability}}; got {fn!r}"
            )
        self.fn = fn

    def action_probabilities(self, state: GameState, player: int) -> dict[int, Probability]:
        return dict(self.fn(state.information_state_key(player)))

    def __repr__(self) -> str:
        return f"FunctionPolicy({self.fn!r})"


def sample_action(policy: Policy, state: GameState, player: int, rng: np.random.Generator) -> int:
    """Draw one action from ``policy`` at ``state`` with a single ``rng.random()`` call.

    The cumulative probabilities are walked in the order of ``state.legal_actions()``, so
    one seed gives one action whatever order the policy's dict is in.

    :param policy: the acting player's policy.
    :param state: a decision node of ``player``.
    :param player: the seat to act.
    :param rng: the random generator, e.g. an env's ``np_random``.
    :return: a legal action with positive probability.
    """
    probabilities = policy.action_probabilities(state, player)
    draw = rng.random()
    cumulative = 0.0
    last_possible = None
    for action in state.legal_actions():
        probability = probabilities.get(action, 0)
        if probability > 0:
            last_possible = action
            cumulative += float(probability)
            if draw < cumulative:
                return action
    if last_possible is None:
        raise InvalidArgumentError(
            f"{policy!r} gives no legal action a positive probability at "
            f"{state.information_state_key(player)!r}; give it a distribution over "
            f"{list(state.legal_actions())}"
        )
    return last_possible  # float rounding left the cumulative a hair below 1


def policies_for_players(game: Game, policies: Policy | Sequence[Policy]) -> tuple[Policy, ...]:
    """One policy per seat: ``policies`` itself for every seat, or the sequence checked.

    :param game: the game, for its number of players.
    :param policies: one policy for every seat, or a sequence with one per seat.
    """
    if isinstance(policies, Policy):
        return (policies,) * game.num_players
    if (
        not isinstance(policies, Sequence)
        or len(policies) != game.num_players
        or not all(isinstance(p, Policy) for p in policies)
    ):
        raise InvalidArgumentError(
            f"pass one policy (used by every seat) or a sequence of {game.num_players} "
            f"policies, one per seat; got {policies!r}"
        )
    return tuple(policies)
