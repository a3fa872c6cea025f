"""The rollout engine: many multi-turn episodes at once, one batched generation per turn.

Each env of the mix is stepped through a gymnasium vector env (any pool with that
interface: ``SyncVectorEnv``, ``AsyncVectorEnv``, or a distributed one), holding
``groups x G`` sub-envs. A group's G sub-envs are reset with the same seed, so its G
episodes start identical. At every turn the observations of all playing episodes, across
every env of the mix, go to the policy in one ``act_batch`` call (one batched
generation); episodes end at different turns, and a finished sub-env's later steps
(the vector env auto-resets it) are ignored until the next :meth:`RolloutEngine.run`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from cogym.core.errors import InvalidArgumentError
from cogym.training.advantages import NonFiniteRewardError
from cogym.training.episode_tokens import EpisodeTokens
from cogym.training.policy_agent import PolicyAgent


@dataclass
class Episode:
    """One finished episode, ready for the trainer.

    :param env_id: the env it ran in.
    :param seed: the seed its env was reset with.
    :param group: its group (task) in the step; the G episodes of a task share it.
    :param tokens: its token sequence, loss mask and behaviour log-probs.
    :param turn_rewards: the reward of each policy turn.
    :param terminated: the env ended it (solved or failed).
    :param truncated: a turn limit or the token budget ended it.
    :param success: the env's ``info["success"]`` at the end (False when absent).
    :param role: the seat it played, for self-play games; ``None`` otherwise.
    :param info: the env's last info for it.
    """

    env_id: str
    seed: int
    group: int
    tokens: EpisodeTokens
    turn_rewards: list[float] = field(default_factory=list)
    terminated: bool = False
    truncated: bool = False
    success: bool = False
    role: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def reward(self) -> float:
        """The episode's return (undiscounted sum of its rewards)."""
        return float(sum(self.turn_rewards))

    @property
    def turns(self) -> int:
        """Policy turns taken."""
        return len(self.tokens.turns)


def check_reward(episode: Episode, reward: float, turn: int, index: int) -> None:
    """Raise :class:`NonFiniteRewardError` naming the env, seed and turn unless ``reward``
    is finite: training stops rather than treat NaN or infinity as a number."""
    if not math.isfinite(reward):
        raise NonFiniteRewardError(
            f"{episode.env_id} reset with seed {episode.seed} returned reward {reward} "
            f"at turn {turn}; fix the env or its reward kwargs: training stops rather than "
            "treat it as a number",
            index=index,
        )


def sub_info(infos: Mapping[str, Any], index: int) -> dict[str, Any]:
    """Sub-env ``index``'s info out of a vector env's batched info dict."""
    out: dict[str, Any] = {}
    for key, values in infos.items():
        if key.startswith("_"):
            continue
        present = infos.get(f"_{key}")
        if present is not None and not present[index]:
            continue
        value = sub_info(values, index) if isinstance(values, Mapping) else values[index]
        out[key] = value.item() if isinstance(value, np.generic) else value
    return out


class RolloutEngine:
    """Plays groups of episodes in vector envs with one policy.

    :param agent: the policy agent (its slots are reused by every :meth:`run`).
    :param pools: per env id, a vector env whose ``num_envs`` is ``groups * G`` for the
        groups :meth:`run` will be given for that id.
    """

    def __init__(self, agent: PolicyAgent, pools: Mapping[str, gym.vector.VectorEnv]) -> None:
        if not pools:
            raise InvalidArgumentError("the rollout engine needs at least one env pool")
        self.agent = agent
        self.pools = dict(pools)

    def run(
        self,
        seeds: Mapping[str, Sequence[int]],
        group_size: int,
        max_turns: int | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> list[Episode]:
        """Play one group of ``group_size`` episodes per seed.

        :param seeds: per env id, one env seed per group.
        :param group_size: G, the episodes of each group.
        :param max_turns: the most policy turns per episode (the horizon schedule's
            limit); ``None`` leaves it to each env.
        :param stop: polled each turn; once true, the playing episodes end, truncated.
        :return: the episodes, env by env in ``seeds`` order, group by group.
        """
        tables = []
        slot = 0
        for env_id, env_seeds in seeds.items():
            pool = self.pools.get(env_id)
            if pool is None:
                raise InvalidArgumentError(
                    f"no pool for {env_id}; the pools are {sorted(self.pools)}"
                )
            wanted = len(env_seeds) * group_size
            if pool.num_envs != wanted:
                raise InvalidArgumentError(
                    f"{env_id}'s pool has {pool.num_envs} sub-envs, but {len(env_seeds)} groups of "
                    f"{group_size} need {wanted}"
                )
            episode_seeds = [int(seed) for seed in env_seeds for _ in range(group_size)]
            observations, infos = pool.reset(seed=episode_seeds)
            episodes = [
                Episode(env_id, seed, index // group_size, EpisodeTokens())
                for index, seed in enumerate(episode_seeds)
            ]
            tables.append(_Table(env_id, pool, episodes, slot, list(observations), infos))
            slot += wanted
        for table in tables:
            for i in range(len(table.episodes)):
                self.agent.reset_slot(table.first_slot + i)
        while any(table.playing for table in tables):
            if stop is not None and stop():
                for table in tables:
                    for i in table.playing:
                        table.episodes[i].truncated = True
                    table.playing = []
                break
            movers = [(table, i) for table in tables for i in table.playing]
            actions = self.agent.act_batch(
                [table.observations[i] for table, i in movers],
                [sub_info(table.infos, i) for table, i in movers],
                [table.first_slot + i for table, i in movers],
            )
            for table in tables:
                table.actions = [""] * len(table.episodes)
            for (table, i), action in zip(movers, actions, strict=True):
                table.actions[i] = action
            for table in tables:
                if table.playing:
                    self._step(table, max_turns)
        for table in tables:
            for i, episode in enumerate(table.episodes):
                episode.tokens = self.agent.tokens(table.first_slot + i)
        return [episode for table in tables for episode in table.episodes]

    def _step(self, table: _Table, max_turns: int | None) -> None:
        observations, rewards, terminated, truncated, infos = table.pool.step(table.actions)
        still = []
        for i in table.playing:
            episode = table.episodes[i]
            reward = float(rewards[i])
            check_reward(episode, reward, len(episode.turn_rewards) + 1, index=i)
            episode.turn_rewards.append(reward)
            info = sub_info(infos, i)
            episode.info = info
            slot = table.first_slot + i
            if terminated[i] or truncated[i]:
                episode.terminated, episode.truncated = bool(terminated[i]), bool(truncated[i])
            elif (max_turns is not None and len(episode.turn_rewards) >= max_turns) or (
                self.agent.exhausted(slot)
            ):
                episode.truncated = True
            else:
                still.append(i)
                continue
            episode.success = bool(info.get("success", False))
        table.playing = still
        table.observations = list(observations)
        table.infos = infos


class _Table:
    """One env's episodes in flight."""

    def __init__(
        self,
        env_id: str,
        pool: gym.vector.VectorEnv,
        episodes: list[Episode],
        first_slot: int,
        observations: list[Any],
        infos: Mapping[str, Any],
    ) -> None:
        self.env_id = env_id
        self.pool = pool
        self.episodes = episodes
        self.first_slot = first_slot
        self.observations = observations
        self.infos = infos
        self.playing = list(range(len(episodes)))
        self.actions: list[str] = []


def make_pool(env_id: str, kwargs: Mapping[str, Any], num_envs: int) -> gym.vector.VectorEnv:
    """The default pool: a ``SyncVectorEnv`` of ``num_envs`` copies of the env."""
    import cogym

    return gym.vector.SyncVectorEnv(
        [lambda: cogym.make(env_id, **dict(kwargs)) for _ in range(num_envs)],
        copy=True,
    )
