"""Kuhn poker: a pure game core, exact game theory, and Gymnasium/PettingZoo views."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from cogym.core.agent import Agent
from cogym.core.errors import UnknownAgentError
from cogym.core.family import AgentSpec, EnvEntry, Family
from cogym.envs.poker.agents import BestResponseAgent, CFRAgent, NashAgent
from cogym.envs.poker.env import KuhnPokerEnv
from cogym.envs.poker.game import KuhnPoker
from cogym.envs.poker.opponents import opponent_policy

_VECTOR_ENTRY_POINT = "cogym.envs.poker.vector_env:KuhnPokerVectorEnv"


def _best_response(env: gym.Env, seed: int | None) -> Agent:
    policy = opponent_policy(env.unwrapped.opponent)
    if policy is None:
        raise UnknownAgentError(
            "agent 'best-response' needs an opponent with a known policy (a name such as "
            "'nash' or 'always_bet', or a solver policy); this env's opponent is "
            f"{type(env.unwrapped.opponent).__name__}"
        )
    return BestResponseAgent(policy, seed=seed)


def _aec_env(**kwargs: Any) -> Any:
    from cogym.envs.poker.aec import env

    return env(**kwargs)


FAMILY = Family(
    name="poker",
    env_class=KuhnPokerEnv,
    summary="Kuhn poker: two-player zero-sum, self-play, exact game theory",
    envs=(
        EnvEntry(
            "cogym/KuhnPoker-v0",
            "Kuhn poker, one hand against a Nash/random/fixed/agent opponent; text or vector",
            {"num_hands": 1},
            vector_entry_point=_VECTOR_ENTRY_POINT,
        ),
        EnvEntry(
            "cogym/KuhnPoker-Match-v0",
            "Kuhn poker match of 10 hands, alternating seats, chip totals",
            {"num_hands": 10},
            vector_entry_point=_VECTOR_ENTRY_POINT,
        ),
    ),
    agents=(
        AgentSpec(
            "nash",
            lambda env, seed, **options: NashAgent(seed=seed, **options),
            "Kuhn poker: the equilibrium family (option alpha in [0, 1/3])",
            frozenset({"alpha"}),
            role="expert",
        ),
        AgentSpec(
            "cfr",
            lambda env, seed, **options: CFRAgent(seed=seed, **options),
            "Kuhn poker: the average policy of CFR+ (options iterations, plus)",
            frozenset({"iterations", "plus"}),
            role="expert",
        ),
        AgentSpec(
            "best-response",
            _best_response,
            "Kuhn poker: the exact best response to the env's opponent policy",
            role="oracle",
        ),
    ),
    game=KuhnPoker,
    aec_env=_aec_env,
)

__all__ = ["FAMILY", "BestResponseAgent", "CFRAgent", "KuhnPoker", "KuhnPokerEnv", "NashAgent"]
