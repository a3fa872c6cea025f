"""Advantages of a step's episodes and the samples built from them, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from cogym.training.advantages import RoleBaselines
from cogym.training.episode_tokens import EpisodeTokens
from cogym.training.rollout import Episode
from cogym.training.samples import build_samples, collate, compute_advantages


def episode(env_id, group, rewards, role=None, truncated=False):
    tokens = EpisodeTokens()
    tokens.add_context([1, 2])
    for turn in range(len(rewards)):
        if turn:
            tokens.add_context([3])
        tokens.add_reply([10 + turn, 20 + turn], [-0.5, -0.25], "stop")
    return Episode(env_id, 0, group, tokens, list(rewards), truncated=truncated, role=role)


def advantages(episodes, **options):
    settings = dict(scaling="group", turn_discount=None, dynamic_sampling=False)
    settings.update(options)
    return compute_advantages(episodes, baselines=RoleBaselines(0.5), **settings)


def test_group_relative_advantages_per_task_and_env():
    episodes = [
        episode("a", 0, [1.0]),
        episode("a", 0, [0.0]),
        episode("a", 1, [0.5]),
        episode("a", 1, [0.5]),
        episode("b", 0, [2.0]),
        episode("b", 0, [0.0]),
    ]
    result = advantages(episodes)
    flat = [float(a[0]) for a in result.per_turn]
    # group ("a", 0): mean 0.5, std 0.5; ("a", 1) has equal rewards; ("b", 0): mean 1, std 1
    assert flat == pytest.approx([1.0, -1.0, 0.0, 0.0, 1.0, -1.0], abs=1e-5)
    assert result.zero_variance_fraction == pytest.approx(1 / 3)
    assert result.keep.tolist() == [True] * 6
    dropped = advantages(episodes, dynamic_sampling=True)
    assert dropped.keep.tolist() == [True, True, False, False, True, True]
    unscaled = advantages(episodes, scaling="none")
    assert [float(a[0]) for a in unscaled.per_turn] == pytest.approx([0.5, -0.5, 0, 0, 1, -1])


def test_a_multi_turn_episode_gives_every_turn_its_advantage_or_discounted_return():
    episodes = [episode("a", 0, [0.0, 1.0]), episode("a", 0, [0.0, 0.0])]
    flat = advantages(episodes, scaling="none")
    assert [a.tolist() for a in flat.per_turn] == [[0.5, 0.5], [-0.5, -0.5]]
    # gamma 0.5: returns [0.5, 1.0] and [0, 0]; the group's mean first return is 0.25
    discounted = advantages(episodes, scaling="none", turn_discount=0.5)
    assert [a.tolist() for a in discounted.per_turn] == [[0.25, 0.75], [-0.25, -0.25]]


def test_self_play_seats_use_their_roles_ema_baseline():
    baselines = RoleBaselines(0.5)
    baselines.update("kuhn", "0", [2.0])  # role 0's baseline is now 1.0
    episodes = [episode("kuhn", 0, [1.0], role="0"), episode("kuhn", 0, [-1.0], role="1")]
    result = compute_advantages(
        episodes, scaling="group", turn_discount=None, dynamic_sampling=False, baselines=baselines
    )
    assert [float(a[0]) for a in result.per_turn] == [0.0, -1.0]
    assert baselines.baseline("kuhn", "0") == 1.0 and baselines.baseline("kuhn", "1") == -0.5


def test_samples_per_episode_and_per_turn():
    episodes = [episode("a", 0, [1.0, 1.0]), episode("a", 0, [0.0, 0.0], truncated=True)]
    result = advantages(episodes, scaling="none")
    (first, second) = build_samples(episodes, result, unit="episode", mask_truncated=False)
    assert first.ids == [1, 2, 10, 20, 3, 11, 21]
    assert first.mask == [0, 0, 1, 1, 0, 1, 1]
    assert first.old_logprobs == [0, 0, -0.5, -0.25, 0, -0.5, -0.25]
    assert first.advantages == [0, 0, 1, 1, 0, 1, 1]  # returns 2 and 0: mean 1
    assert second.advantages[2] == -1.0
    only = build_samples(episodes, result, unit="episode", mask_truncated=True)
    assert [s.episode for s in only] == [0]
    turns = build_samples(episodes, result, unit="turn", mask_truncated=False)
    assert [s.ids for s in turns[:2]] == [[1, 2, 10, 20], [1, 2, 10, 20, 3, 11, 21]]
    assert turns[1].mask == [0, 0, 0, 0, 0, 1, 1]  # the earlier reply is context now
    batch = collate(turns[:2], pad_id=0)
    assert batch["input_ids"].shape == (2, 7) and batch["loss_mask"].shape == (2, 6)
    assert batch["target_ids"][0].tolist() == [2, 10, 20, 0, 0, 0]
    assert batch["loss_mask"][0].tolist() == [False, True, True, False, False, False]
    assert np.allclose(batch["old_logprobs"][1].numpy(), [0, 0, 0, 0, -0.5, -0.25])
