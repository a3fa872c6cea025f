"""Agents by name, for the CLI and scripts: ``make_agent("solver", env, seed=0)``.

Two agents play any env: ``random`` (every env) and ``llm`` (every text env). Every other
name comes from the env's family descriptor (``Family.agents``), so this module names no
family: a new family's baselines appear here, in ``cogym run --agent`` and in
``cogym eval`` with no change to this file.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from gymnasium import spaces

from cogym import registration
from cogym.agents.random_agent import RandomAgent
from cogym.core.agent import Agent
from cogym.core.errors import UnknownAgentError, UnknownKwargError
from cogym.core.family import AgentSpec


def _is_text_env(env: gym.Env) -> bool:
    return isinstance(env.observation_space, spaces.Text) and isinstance(
        env.action_space, spaces.Text
    )


def _build_llm(env: gym.Env, seed: int | None, backend: Any = None, **options: Any) -> Agent:
    from cogym.agents.backends import load_backend
    from cogym.agents.llm_agent import LLMAgent

    if backend is None or isinstance(backend, str):
        backend = load_backend(backend or "builtin")
    return LLMAgent(backend, **options)


#: The agents that play envs of any family.
GENERIC_AGENTS: tuple[AgentSpec, ...] = (
    AgentSpec(
        "random",
        lambda env, seed: RandomAgent(env.action_space, seed=seed),
        "uniform over legal actions, else samples the action space",
        supports=lambda env: True,
        role="random",
    ),
    AgentSpec(
        "llm",
        _build_llm,
        "chats with a model (--model builtin|PATH|openai:URL|vllm:PATH)",
        frozenset({"backend", "sampling", "system_prompt", "max_history_tokens", "strip_think"}),
        supports=_is_text_env,
    ),
)


def agent_specs() -> list[AgentSpec]:
    """Every agent name: the generic ones, then each registered family's, in table order."""
    specs = list(GENERIC_AGENTS)
    for family in registration.families():
        specs.extend(family.agents)
    return specs


def agents_for(env: gym.Env) -> list[AgentSpec]:
    """The agents that can play ``env`` (a made, maybe wrapped, env)."""
    family = registration.family_of(env)
    own = [
        spec
        for spec in (family.agents if family is not None else ())
        if spec.supports is None or spec.supports(env)
    ]
    return [spec for spec in GENERIC_AGENTS if spec.supports(env)] + own


def make_agent(name: str, env: gym.Env, seed: int | None = None, **options: Any) -> Agent:
    """Build the agent called ``name`` for ``env``.

    :param options: agent options, e.g. ``backend=`` and ``sampling=`` for ``"llm"``.
    :raises UnknownAgentError: when the name is unknown or the agent cannot play ``env``.
    :raises UnknownKwargError: for an option the agent does not take.
    """
    known = {spec.name: spec for spec in agent_specs()}
    if name not in known:
        raise UnknownAgentError(f"unknown agent {name!r}; choose one of: {', '.join(known)}")
    playable = {spec.name: spec for spec in agents_for(env)}
    if name not in playable:
        env_id = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        raise UnknownAgentError(
            f"agent {name!r} cannot play {env_id}; agents for it: {', '.join(playable)}"
        )
    spec = playable[name]
    unknown = sorted(set(options) - spec.options)
    if unknown:
        accepted = ", ".join(sorted(spec.options)) or "none"
        raise UnknownKwargError(
            f"agent {name!r} takes no option(s) {unknown}; its options: {accepted}"
        )
    return spec.build(env, seed, **options)
