"""Agents by name, for the CLI and scripts: ``make_agent("solver", env, seed=0)``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from cogym.agents.countdown import RandomExpressionAgent, SolverAgent
from cogym.agents.poker import BestResponseAgent, CFRAgent, NashAgent
from cogym.agents.random_agent import RandomAgent
from cogym.core.agent import Agent
from cogym.core.errors import UnknownAgentError, UnknownKwargError
from cogym.core.text_env import TextEnv
from cogym.envs.countdown.env import CountdownEnv
from cogym.envs.poker.env import KuhnPokerEnv
from cogym.envs.poker.opponents import opponent_policy


@dataclass(frozen=True)
class AgentSpec:
    """A named agent: how to build it for an env, and which envs it can play.

    :param build: ``(env, seed, **options) -> Agent``.
    :param supports: ``env -> bool``; ``env`` is the made (possibly wrapped) env.
    :param summary: one line for ``cogym run --help``.
    :param options: the keyword options ``build`` accepts.
    """

    build: Callable[..., Agent]
    supports: Callable[[gym.Env], bool]
    summary: str
    options: frozenset[str] = frozenset()


def _is_countdown(env: gym.Env) -> bool:
    return isinstance(env.unwrapped, CountdownEnv)


def _is_kuhn(env: gym.Env) -> bool:
    return isinstance(env.unwrapped, KuhnPokerEnv)


def _build_best_response(env: gym.Env, seed: int | None) -> Agent:
    policy = opponent_policy(env.unwrapped.opponent)
    if policy is None:
        raise UnknownAgentError(
            "agent 'best-response' needs an opponent with a known policy (a name such as "
            "'nash' or 'always_bet', or a solver policy); this env's opponent is "
            f"{type(env.unwrapped.opponent).__name__}"
        )
    return BestResponseAgent(policy, seed=seed)


def _is_text_env(env: gym.Env) -> bool:
    return isinstance(env.unwrapped, TextEnv)


def _build_llm(env: gym.Env, seed: int | None, backend: Any = None, **options: Any) -> Agent:
    from cogym.agents.backends import load_backend
    from cogym.agents.llm_agent import LLMAgent

    if backend is None or isinstance(backend, str):
        backend = load_backend(backend or "builtin")
    return LLMAgent(backend, **options)


AGENTS: dict[str, AgentSpec] = {
    "random": AgentSpec(
        lambda env, seed: RandomAgent(env.action_space, seed=seed),
        lambda env: True,
        "uniform over legal actions, else samples the action space",
    ),
    "solver": AgentSpec(
        lambda env, seed: SolverAgent(use_all=env.unwrapped.use_all_numbers),
        _is_countdown,
        "Countdown: exhaustive search, solves every solvable puzzle",
    ),
    "random-expr": AgentSpec(
        lambda env, seed: RandomExpressionAgent(use_all=env.unwrapped.use_all_numbers, seed=seed),
        _is_countdown,
        "Countdown: a random well-formed expression over the numbers (chance level)",
    ),
    "nash": AgentSpec(
        lambda env, seed, **options: NashAgent(seed=seed, **options),
        _is_kuhn,
        "Kuhn poker: the equilibrium family (option alpha in [0, 1/3])",
        frozenset({"alpha"}),
    ),
    "cfr": AgentSpec(
        lambda env, seed, **options: CFRAgent(seed=seed, **options),
        _is_kuhn,
        "Kuhn poker: the average policy of CFR+ (options iterations, plus)",
        frozenset({"iterations", "plus"}),
    ),
    "best-response": AgentSpec(
        _build_best_response,
        _is_kuhn,
        "Kuhn poker: the exact best response to the env's opponent policy",
    ),
    "llm": AgentSpec(
        _build_llm,
        _is_text_env,
        "chats with a model (--model builtin|PATH|openai:URL|vllm:PATH)",
        frozenset({"backend", "sampling", "system_prompt", "max_history_tokens", "strip_think"}),
    ),
}


def make_agent(name: str, env: gym.Env, seed: int | None = None, **options: Any) -> Agent:
    """Build the agent called ``name`` for ``env``.

    :param options: agent options, e.g. ``backend=`` and ``sampling=`` for ``"llm"``.
    :raises UnknownAgentError: when the name is unknown or the agent cannot play ``env``.
    :raises UnknownKwargError: for an option the agent does not take.
    """
    try:
        spec = AGENTS[name]
    except KeyError:
        raise UnknownAgentError(
            f"unknown agent {name!r}; choose one of: {', '.join(AGENTS)}"
        ) from None
    if not spec.supports(env):
        playable = [other for other, s in AGENTS.items() if s.supports(env)]
        env_id = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        raise UnknownAgentError(
            f"agent {name!r} cannot play {env_id}; agents for it: {', '.join(playable)}"
        )
    unknown = sorted(set(options) - spec.options)
    if unknown:
        accepted = ", ".join(sorted(spec.options)) or "none"
        raise UnknownKwargError(
            f"agent {name!r} takes no option(s) {unknown}; its options: {accepted}"
        )
    return spec.build(env, seed, **options)
