"""Evaluation of the policy on held-out seeds, with 95% confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cogym.training.policy_agent import PolicyAgent
from cogym.training.rollout import Episode, RolloutEngine, make_pool

if TYPE_CHECKING:
    from cogym.training.trainer import GRPOTrainer

Z95 = 1.959963984540054


def mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    """The mean and its normal-approximation 95% interval (``mean +- 1.96 s / sqrt(n)``,
    ``s`` the sample std with ddof 1)."""
    data = np.asarray(values, dtype=np.float64)
    mean = float(data.mean())
    if data.size < 2:
        return mean, mean, mean
    half = Z95 * float(data.std(ddof=1)) / math.sqrt(data.size)
    return mean, mean - half, mean + half


def wilson_ci(successes: int, n: int) -> tuple[float, float, float]:
    """A success rate and its Wilson 95% interval (sound near 0 and 1)."""
    if n == 0:
        return 0.0, 0.0, 0.0
    rate = successes / n
    centre = (rate + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(rate * (1 - rate) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return rate, low, high


def summarise(episodes: Sequence[Episode], prefix: str = "eval/") -> dict[str, Any]:
    """Reward and success with their intervals, overall and per env."""
    out: dict[str, Any] = {}
    groups: dict[str, list[Episode]] = {"": list(episodes)}
    for episode in episodes:
        groups.setdefault(f"/{episode.env_id}", []).append(episode)
    if len(groups) == 2:  # one env: the overall figures say it all
        groups = {"": list(episodes)}
    for suffix, mine in groups.items():
        reward, low, high = mean_ci([e.reward for e in mine])
        rate, s_low, s_high = wilson_ci(sum(e.success for e in mine), len(mine))
        out.update(
            {
                f"{prefix}reward_mean{suffix}": reward,
                f"{prefix}reward_ci_low{suffix}": low,
                f"{prefix}reward_ci_high{suffix}": high,
                f"{prefix}success_rate{suffix}": rate,
                f"{prefix}success_ci_low{suffix}": s_low,
                f"{prefix}success_ci_high{suffix}": s_high,
                f"{prefix}episodes{suffix}": len(mine),
            }
        )
    return out


def evaluate_policy(
    trainer: GRPOTrainer,
    episodes_per_env: int,
    *,
    greedy: bool = True,
    batch_size: int = 64,
    seed_base: int,
    env_kwargs: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Play ``episodes_per_env`` episodes of each single-agent env of the trainer's mix
    (seeds ``seed_base, seed_base + 1, ...``) and summarise them (:func:`summarise`).

    :param env_kwargs: per env id, kwargs that replace the training ones (e.g. a
        ``tasks_path`` of held-out tasks).
    """
    config = trainer.config
    agent = PolicyAgent(
        trainer.generator,
        max_new_tokens_per_turn=config.max_new_tokens_per_turn,
        max_tokens_per_episode=config.max_tokens_per_episode,
        temperature=0.0 if greedy else config.temperature,
        top_p=1.0 if greedy else config.top_p,
        seed=seed_base,
    )
    episodes: list[Episode] = []
    for env_id, mix in zip(trainer.env_ids, config.envs, strict=True):
        if mix.self_play:
            continue
        done = 0
        while done < episodes_per_env:
            size = min(batch_size, episodes_per_env - done)
            kwargs = {**mix.kwargs, **(env_kwargs or {}).get(env_id, {})}
            pool = make_pool(env_id, kwargs, size)
            try:
                engine = RolloutEngine(agent, {env_id: pool})
                seeds = [seed_base + done + i for i in range(size)]
                episodes += engine.run({env_id: seeds}, group_size=1, max_turns=config.max_turns)
            finally:
                pool.close()
            done += size
    return summarise(episodes) if episodes else {}
