"""Play episodes of an agent in an env and keep the records: one at a time, or many at
once with batched actions."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym

from cogym.core.agent import Agent
from cogym.core.episode import EpisodeRecord, StepRecord
from cogym.core.errors import InvalidArgumentError


def _env_id(env: gym.Env) -> str:
    return env.spec.id if env.spec is not None else type(env.unwrapped).__name__


def _step(env: gym.Env, record: EpisodeRecord, action: Any) -> tuple[Any, dict[str, Any], bool]:
    """Step ``env``, append the step to ``record``; return observation, info and done."""
    start = time.perf_counter()
    observation, reward, terminated, truncated, info = env.step(action)
    record.steps.append(
        StepRecord(
            action,
            observation,
            float(reward),
            terminated,
            truncated,
            dict(info),
            duration_s=time.perf_counter() - start,
        )
    )
    return observation, info, terminated or truncated


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
        _env_id(env), seed, agent_name or type(agent).__name__, observation, dict(info)
    )
    done = False
    while not done:
        observation, info, done = _step(env, record, agent.act(observation, info))
    record.duration_s = time.perf_counter() - start
    return record


def run_episodes(
    make_env: Callable[[], gym.Env],
    agent: Agent,
    seeds: Sequence[int | None],
    batch_size: int = 8,
    options: dict[str, Any] | None = None,
    agent_name: str = "",
    on_episode: Callable[[EpisodeRecord], None] | None = None,
) -> list[EpisodeRecord]:
    """Play one episode per seed, ``batch_size`` at a time, with one batched
    :meth:`~cogym.core.agent.Agent.act_batch` call per turn across the playing episodes.

    When an episode ends, the next seed starts in its slot, so the batch stays full.

    :param make_env: makes one env; called ``min(batch_size, len(seeds))`` times.
    :param agent: the agent; each slot is reset with ``reset_slot``.
    :param seeds: one episode per seed.
    :param batch_size: how many episodes play at once.
    :param options: passed to every ``env.reset``.
    :param agent_name: stored in the records.
    :param on_episode: called with each record as its episode ends (progress bars).
    :return: the records, in the order of ``seeds``.
    """
    if batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be >= 1, got {batch_size}")
    name = agent_name or type(agent).__name__
    envs = [make_env() for _ in range(min(batch_size, len(seeds)))]
    records: list[EpisodeRecord | None] = [None] * len(seeds)
    playing: dict[int, tuple[int, EpisodeRecord, Any, dict[str, Any], float]] = {}
    queue = iter(enumerate(seeds))

    def start(slot: int) -> None:
        index, seed = next(queue, (None, None))
        if index is None:
            return
        begun = time.perf_counter()
        observation, info = envs[slot].reset(seed=seed, options=options)
        agent.reset_slot(slot)
        record = EpisodeRecord(_env_id(envs[slot]), seed, name, observation, dict(info))
        playing[slot] = (index, record, observation, info, begun)

    try:
        for slot in range(len(envs)):
            start(slot)
        while playing:
            slots = sorted(playing)
            actions = agent.act_batch(
                [playing[slot][2] for slot in slots], [playing[slot][3] for slot in slots], slots
            )
            for slot, action in zip(slots, actions, strict=True):
                index, record, _, _, begun = playing.pop(slot)
                observation, info, done = _step(envs[slot], record, action)
                if not done:
                    playing[slot] = (index, record, observation, info, begun)
                    continue
                record.duration_s = time.perf_counter() - begun
                records[index] = record
                if on_episode is not None:
                    on_episode(record)
                start(slot)
    finally:
        for env in envs:
            env.close()
    return [record for record in records if record is not None]
