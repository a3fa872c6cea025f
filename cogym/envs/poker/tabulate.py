"""Read a vector-mode policy (e.g. a stable-baselines3 model) into an exact tabular one.

Kuhn poker has 12 decision information states, so any policy over the one-hot
information-state vector can be written out in full and then evaluated exactly:
``expected_returns``, ``BestResponse`` and ``exploitability`` take the result.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cogym.core.errors import InvalidArgumentError
from cogym.envs.poker.game import (
    BET,
    DECISION_HISTORIES,
    PASS,
    info_state_key,
    info_state_tensor,
    state_in_info_set,
)
from cogym.games import Policy, TabularPolicy


def decision_tensors() -> tuple[list[str], np.ndarray]:
    """Every decision information state: keys such as ``"K:pb"`` and their vectors (12, 11)."""
    keys, vectors = [], []
    for history in DECISION_HISTORIES:
        player = len(history) % 2
        for card in range(3):
            keys.append(info_state_key(card, history))
            vectors.append(info_state_tensor(player, card, history))
    return keys, np.stack(vectors)


def tabulate(bet_probabilities: Callable[[np.ndarray], np.ndarray]) -> TabularPolicy:
    """The tabular policy of a vector policy.

    :param bet_probabilities: maps a batch of information-state vectors, shape (n, 11),
        to the probability of action 1 (bet/call) for each, shape (n,).
    """
    keys, vectors = decision_tensors()
    p_bet = np.asarray(bet_probabilities(vectors), dtype=float).reshape(-1)
    if p_bet.shape != (len(keys),) or not np.all((p_bet >= 0) & (p_bet <= 1)):
        raise InvalidArgumentError(
            f"bet_probabilities must return {len(keys)} probabilities in [0, 1], one per row; "
            f"got {p_bet!r}"
        )
    return TabularPolicy(
        {key: {PASS: 1.0 - float(p), BET: float(p)} for key, p in zip(keys, p_bet, strict=True)}
    )


def bet_probability(policy: Policy, key: str) -> float:
    """P(bet) of a solver policy at the information state ``key`` (e.g. ``"K:pb"``)."""
    state = state_in_info_set(key)
    return float(policy.action_probabilities(state, state.current_player()).get(BET, 0.0))


def bet_probabilities(policy: Policy) -> np.ndarray:
    """P(bet) of a solver policy at every decision information state, in
    :func:`decision_tensors` order: the inverse of :func:`tabulate`."""
    keys, _ = decision_tensors()
    return np.array([bet_probability(policy, key) for key in keys])
