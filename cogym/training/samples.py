"""From finished episodes to training samples: advantages per turn, then token tensors.

Episodes of single-agent envs get GRPO's group-relative advantage (their group: the G
episodes of one task); self-play seats get their return minus the EMA baseline of their
game and role (SPIRAL). An episode's advantage applies to every token of its replies; with
``turn_discount`` each reply gets its own discounted return, centred and scaled by the
group's statistics of episode returns.

A sample is one sequence with a loss mask: with ``sample_unit="episode"`` the whole
episode (env tokens masked), with ``"turn"`` one reply with its context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from cogym.training.advantages import (
    RoleBaselines,
    advantage_scales,
    group_advantages,
    turn_returns,
    zero_variance_groups,
)
from cogym.training.rollout import Episode


@dataclass
class Sample:
    """One training sequence.

    :param ids: its tokens.
    :param mask: 1 on the tokens the loss scores.
    :param old_logprobs: the behaviour log-prob of each scored token (0.0 elsewhere).
    :param advantages: the advantage of each scored token (0.0 elsewhere).
    :param episode: the index of its episode in the step.
    """

    ids: list[int]
    mask: list[int]
    old_logprobs: list[float]
    advantages: list[float]
    episode: int

    @property
    def num_scored(self) -> int:
        """Tokens the loss scores."""
        return int(sum(self.mask))


@dataclass
class Advantages:
    """The advantages of a step's episodes.

    :param per_turn: per episode, one advantage per reply.
    :param keep: per episode, whether it stays in the batch (dynamic sampling drops the
        episodes of groups with equal rewards).
    :param zero_variance_fraction: the share of groups whose rewards are all equal.
    """

    per_turn: list[np.ndarray]
    keep: np.ndarray
    zero_variance_fraction: float


def compute_advantages(
    episodes: Sequence[Episode],
    *,
    scaling: str,
    turn_discount: float | None,
    dynamic_sampling: bool,
    baselines: RoleBaselines,
) -> Advantages:
    """Advantages of every reply of ``episodes`` (single-agent and self-play alike).

    :param scaling: GRPO's reward scaling (``"group"``, ``"batch"``, ``"none"``).
    :param turn_discount: ``None`` (one advantage per episode) or gamma.
    :param dynamic_sampling: drop the episodes of zero-variance groups.
    :param baselines: the self-play baselines, updated here with the seats' returns.
    """
    per_turn: list[np.ndarray] = [np.zeros(0)] * len(episodes)
    keep = np.ones(len(episodes), dtype=bool)
    gamma = 1.0 if turn_discount is None else turn_discount

    def returns_of(episode: Episode) -> np.ndarray:
        if not episode.turn_rewards:
            return np.zeros(0)
        if turn_discount is None:
            return np.full(len(episode.turn_rewards), episode.reward)
        return turn_returns(episode.turn_rewards, gamma)

    solo = [i for i, episode in enumerate(episodes) if episode.role is None]
    fraction = 0.0
    if solo:
        first = [returns_of(episodes[i]) for i in solo]
        totals = np.array([r[0] if r.size else 0.0 for r in first])
        groups = [(episodes[i].env_id, episodes[i].group) for i in solo]
        centred = group_advantages(totals, groups, scaling="none")
        zero = zero_variance_groups(totals, groups)
        fraction = zero.fraction
        scales = advantage_scales(centred, groups, scaling)
        for k, i in enumerate(solo):
            if not zero.keep[k]:  # all rewards equal: no signal, whatever the turn
                per_turn[i] = np.zeros_like(first[k])
                keep[i] = not dynamic_sampling
            else:
                per_turn[i] = (first[k] - (totals[k] - centred[k])) / scales[k]
    by_role: dict[tuple[str, str], list[int]] = {}
    for i, episode in enumerate(episodes):
        if episode.role is not None:
            by_role.setdefault((episode.env_id, episode.role), []).append(i)
    for (game, role), indices in sorted(by_role.items()):
        returns = [returns_of(episodes[i]) for i in indices]
        firsts = [r[0] if r.size else 0.0 for r in returns]
        advantages = baselines.update(game, role, firsts)
        for i, ret, first, advantage in zip(indices, returns, firsts, advantages, strict=True):
            per_turn[i] = ret - (first - advantage)
    return Advantages(per_turn, keep, fraction)


def build_samples(
    episodes: Sequence[Episode],
    advantages: Advantages,
    *,
    unit: str,
    mask_truncated: bool,
) -> list[Sample]:
    """The training samples of a step's kept episodes.

    :param unit: ``"episode"`` or ``"turn"``.
    :param mask_truncated: give truncated episodes no scored token (DAPO's overlong
        filtering): they still count in their group's statistics.
    """
    samples = []
    for index, episode in enumerate(episodes):
        if not advantages.keep[index] or (mask_truncated and episode.truncated):
            continue
        tokens = episode.tokens
        turn_advantages = advantages.per_turn[index]
        if unit == "episode":
            mask = [0] * len(tokens.ids)
            values = [0.0] * len(tokens.ids)
            for (start, end), value in zip(tokens.turns, turn_advantages, strict=False):
                for position in range(start, end):
                    mask[position] = 1
                    values[position] = float(value)
            old = [lp if m else 0.0 for lp, m in zip(tokens.logprobs, mask, strict=True)]
            samples.append(Sample(list(tokens.ids), mask, old, values, index))
            continue
        for (start, end), value in zip(tokens.turns, turn_advantages, strict=False):
            if end == start:
                continue
            mask = [0] * start + [1] * (end - start)
            old = [0.0] * start + tokens.logprobs[start:end]
            values = [0.0] * start + [float(value)] * (end - start)
            samples.append(Sample(tokens.ids[:end], mask, old, values, index))
    return samples


def collate(samples: Sequence[Sample], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded tensors of ``samples``, with the scored positions shifted to targets.

    :return: ``input_ids`` and ``attention_mask`` ``[B, T]``; ``target_ids``,
        ``loss_mask``, ``old_logprobs`` and ``advantages`` ``[B, T-1]``, where position
        ``j`` is the token ``j + 1`` that the hidden state at ``j`` predicts.
    """
    width = max(len(sample.ids) for sample in samples)
    batch = len(samples)
    ids = torch.full((batch, width), pad_id, dtype=torch.long)
    attention = torch.zeros((batch, width), dtype=torch.long)
    mask = torch.zeros((batch, width), dtype=torch.bool)
    old = torch.zeros((batch, width), dtype=torch.float32)
    adv = torch.zeros((batch, width), dtype=torch.float32)
    for row, sample in enumerate(samples):
        n = len(sample.ids)
        ids[row, :n] = torch.tensor(sample.ids, dtype=torch.long)
        attention[row, :n] = 1
        mask[row, :n] = torch.tensor(sample.mask, dtype=torch.bool)
        old[row, :n] = torch.tensor(sample.old_logprobs, dtype=torch.float32)
        adv[row, :n] = torch.tensor(sample.advantages, dtype=torch.float32)
    return {
        "input_ids": ids,
        "attention_mask": attention,
        "target_ids": ids[:, 1:],
        "loss_mask": mask[:, 1:],
        "old_logprobs": old[:, 1:],
        "advantages": adv[:, 1:],
    }
