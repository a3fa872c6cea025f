"""Play episodes of an agent in an env and keep the records."""

from __future__ import annotations

import time
from typing import Any

import gymnasium as gym

from cogym.agents.base import Agent
from cogym.core.episode import EpisodeRecord, StepRecord


def run_episode(
    env: gym.Env,
    agent: Agent,
    seed: int | None = None,
    options: dict[str, Any] | None = None,
    agent_name: str = "",
) -> EpisodeRecord:
    """Play one episode to its end and return its record.

    :param env: a made env.
    :param agent: the agent; it is reset first.
    :param seed: passed to ``env.reset``.
    :param options: passed to ``env.reset``.
    :param agent_name: stored in the record.
    """
    start = time.perf_counter()
    observation, info = env.reset(seed=seed, options=options)
    agent.reset()
    record = EpisodeRecord(
        env_id=env.spec.id if env.spec is not None else type(env.unwrapped).__name__,
        seed=seed,
        agent=agent_name or type(agent).__name__,
        reset_observation=observation,
        reset_info=dict(info),
    )
    done = False
    while not done:
        action = agent.act(observation, info)
        observation, reward, terminated, truncated, info = env.step(action)
        record.steps.append(
            StepRecord(action, observation, float(reward), terminated, truncated, dict(info))
        )
        done = terminated or truncated
    record.duration_s = time.perf_counter() - start
    return record
