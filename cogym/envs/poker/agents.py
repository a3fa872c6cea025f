"""Kuhn poker agents that play a game-theoretic policy: Nash, CFR and best response.

They read the information state from ``info["info_state"]`` (e.g. ``"K:pb"``), so
they play the text env (answering ``[check]``, ``[bet]``, ``[call]`` or ``[fold]``), the
vector env (answering 0 or 1) and the opponent seat alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cogym.core.agent import Agent
from cogym.core.errors import InvalidArgumentError
from cogym.envs.poker.game import BET, PASS, KuhnPoker
from cogym.envs.poker.nash import nash_policy
from cogym.envs.poker.tabulate import bet_probability
from cogym.envs.poker.text import move_name
from cogym.games import BestResponse, CFRSolver, Policy, TabularPolicy


class PolicyAgent(Agent):
    """Samples its moves from a fixed solver policy.

    :param policy: anything with ``action_probabilities(state, player)``.
    :param seed: seeds the agent's generator.
    """

    def __init__(self, policy: Policy, seed: int | None = None) -> None:
        self.policy = policy
        self.np_random = np.random.default_rng(seed)

    def spawn(self) -> PolicyAgent:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.np_random = np.random.default_rng(int(self.np_random.integers(2**63)))
        return clone

    def act(self, observation: Any, info: dict[str, Any]) -> str | int:
        key = info.get("info_state")
        if not isinstance(key, str):
            raise InvalidArgumentError(
                f"{type(self).__name__} needs info['info_state'] from a Kuhn poker env; "
                "pass the info dict that the env returned with the observation"
            )
        action = BET if self.np_random.random() < bet_probability(self.policy, key) else PASS
        if isinstance(observation, str):
            return f"[{move_name(key.partition(':')[2], action)}]"
        return action


class NashAgent(PolicyAgent):
    """Plays the Kuhn equilibrium with parameter ``alpha`` in [0, 1/3]."""

    def __init__(self, alpha: float = 1 / 6, seed: int | None = None) -> None:
        super().__init__(nash_policy(float(alpha)), seed)
        self.alpha = alpha


class CFRAgent(PolicyAgent):
    """Solves Kuhn poker with CFR (CFR+ by default) and plays the average policy.

    :param iterations: solver iterations (1,000 CFR+ iterations take well under a second
        and leave an exploitability far below 1e-3).
    :param plus: CFR+ (True) or vanilla CFR.
    """

    def __init__(self, iterations: int = 1000, plus: bool = True, seed: int | None = None) -> None:
        solver = CFRSolver(KuhnPoker(), plus=plus)
        solver.iterate(iterations)
        super().__init__(solver.average_policy(), seed)
        self.iterations = iterations


class BestResponseAgent(PolicyAgent):
    """Plays the exact best response to a known opponent policy, from either seat.

    :param opponent_policy: the policy the other seat plays.
    """

    def __init__(self, opponent_policy: Policy, seed: int | None = None) -> None:
        game = KuhnPoker()
        responses = [BestResponse(game, player, opponent_policy) for player in (0, 1)]
        table = {}
        for response in responses:
            table.update(response.policy.table)
        super().__init__(TabularPolicy(table), seed)
        self.values = tuple(response.value for response in responses)
