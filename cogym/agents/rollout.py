"""Play episodes of an agent in an env and keep the records: one at a time, or many at
once with batched actions. Records come from :class:`~cogym.wrappers.RecordEpisodes`,
the same recorder that writes episodes to JSON lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import gymnasium as gym

from cogym.core.agent import Agent
from cogym.core.episode import EpisodeRecord
from cogym.core.errors import InvalidArgumentError
from cogym.wrappers.record_episodes import RecordEpisodes


def run_episode(
    env: gym.Env,
    agent: Agent,
    seed: int | None = None,
    options: dict[str, Any] | None = None,
    agent_name: str = "",
) -> EpisodeRecord:
    """Play one episode to its end and return its record.

    :param env: a made env; it stays open.
    :param agent: the agent; it is reset first.
    :param seed: passed to ``env.reset``.
    :param options: passed to ``env.reset``.
    :param agent_name: stored in the record (default: the agent's class name).
    """
    finished: list[EpisodeRecord] = []
    recorder = RecordEpisodes(env, finished.append, agent=agent_name or type(agent).__name__)
    observation, info = recorder.reset(seed=seed, options=options)
    agent.reset()
    done = False
    while not done:
        observation, _, terminated, truncated, info = recorder.step(agent.act(observation, info))
        done = terminated or truncated
    return finished[0]


def run_episodes(
    make_env: Callable[[], gym.Env],
    agent: Agent,
    seeds: Sequence[int | None],
    batch_size: int = 8,
    options: dict[str, Any] | None = None,
    agent_name: str = "",
    on_episode: Callable[[EpisodeRecord], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[EpisodeRecord]:
    """Play one episode per seed, ``batch_size`` at a time, with one batched
    :meth:`~cogym.core.agent.Agent.act_batch` call per turn across the playing episodes.

    When an episode ends, the next seed starts in its slot, so the batch stays full.
    The envs are closed at the end.

    :param make_env: makes one env; called ``min(batch_size, len(seeds))`` times.
    :param agent: the agent; each slot is reset with ``reset_slot``.
    :param seeds: one episode per seed.
    :param batch_size: how many episodes play at once.
    :param options: passed to every ``env.reset``.
    :param agent_name: stored in the records (default: the agent's class name).
    :param on_episode: called with each record as its episode ends (progress bars).
    :param stop: checked before every turn; once true, the episodes still playing are
        dropped and the records of those that ended are returned (Ctrl-C in the CLI).
    :return: the records, in the order of ``seeds``.
    """
    if batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be >= 1, got {batch_size}")
    name = agent_name or type(agent).__name__
    records: list[EpisodeRecord | None] = [None] * len(seeds)
    seed_index: dict[int, int] = {}  # slot -> index of the seed it plays
    playing: dict[int, tuple[Any, dict[str, Any]]] = {}  # slot -> observation, info
    queue = iter(enumerate(seeds))

    def finish(slot: int, record: EpisodeRecord) -> None:
        records[seed_index[slot]] = record
        if on_episode is not None:
            on_episode(record)

    envs: list[RecordEpisodes] = []

    def start(slot: int) -> None:
        index, seed = next(queue, (None, None))
        if index is None:
            return
        seed_index[slot] = index
        playing[slot] = envs[slot].reset(seed=seed, options=options)
        agent.reset_slot(slot)

    try:
        for slot in range(min(batch_size, len(seeds))):
            envs.append(RecordEpisodes(make_env(), partial(finish, slot), agent=name))
            start(slot)
        while playing and not (stop is not None and stop()):
            slots = sorted(playing)
            actions = agent.act_batch(
                [playing[slot][0] for slot in slots], [playing[slot][1] for slot in slots], slots
            )
            for slot, action in zip(slots, actions, strict=True):
                observation, _, terminated, truncated, info = envs[slot].step(action)
                if terminated or truncated:
                    del playing[slot]
                    start(slot)
                else:
                    playing[slot] = (observation, info)
    finally:
        for env in envs:
            env.close()
    return [record for record in records if record is not None]
