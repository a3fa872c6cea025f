"""Advantages: group-relative (three scalings), zero-variance groups, per-turn returns and
SPIRAL's role baselines, against values worked out by hand."""

import json
import math

import numpy as np
import pytest

from cogym.core.errors import CogymError, InvalidArgumentError
from cogym.training.advantages import (
    NonFiniteRewardError,
    RoleBaselines,
    group_advantages,
    turn_returns,
    zero_variance_groups,
)

# Two interleaved groups: group 0 holds rewards 1, 0, 1, 0 (positions 0, 2, 4, 6), mean 0.5,
# population std 0.5; group 1 holds 2, 0, 1 (positions 1, 3, 5), mean 1, std sqrt(2/3).
REWARDS = [1.0, 2.0, 0.0, 0.0, 1.0, 1.0, 0.0]
GROUPS = [0, 1, 0, 1, 0, 1, 0]


def test_no_scaling_subtracts_the_group_mean():
    got = group_advantages(REWARDS, GROUPS, scaling="none")
    assert got.tolist() == [0.5, 1.0, -0.5, -1.0, 0.5, 0.0, -0.5]


def test_group_scaling_divides_by_each_groups_std():
    got = group_advantages(REWARDS, GROUPS, scaling="group")
    # 0.5 / 0.5 = 1 and 1 / sqrt(2/3) = 1.2247449 (less eps = 1e-6 in the divisor)
    expected = [1.0, 1.2247449, -1.0, -1.2247449, 1.0, 0.0, -1.0]
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert got[0] < 1.0  # eps is added to the std, so never a division by 0


def test_batch_scaling_divides_by_the_batch_std_of_the_centred_rewards():
    got = group_advantages(REWARDS, GROUPS, scaling="batch")
    # centred values squared sum to 3.0 over 7 samples: std = sqrt(3/7) = 0.6546537
    expected = [0.7637626, 1.5275252, -0.7637626, -1.5275252, 0.7637626, 0.0, -0.7637626]
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_string_group_ids_give_the_same_advantages():
    got = group_advantages(REWARDS, ["t0", "t1", "t0", "t1", "t0", "t1", "t0"], scaling="none")
    assert got.tolist() == [0.5, 1.0, -0.5, -1.0, 0.5, 0.0, -0.5]


def test_an_all_equal_group_gets_exactly_zero_advantage():
    got = group_advantages([0.1, 0.1, 0.1, 1.0, 0.0], [0, 0, 0, 1, 1], scaling="group")
    assert got[:3].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(got[3:], [1.0, -1.0], atol=1e-5)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_reward_raises_naming_its_sample(bad):
    rewards = [1.0, 0.0, 1.0, bad]
    with pytest.raises(NonFiniteRewardError, match=r"rewards\[3\]") as caught:
        group_advantages(rewards, [0, 0, 1, 1])
    assert caught.value.index == 3
    assert isinstance(caught.value, CogymError)
    with pytest.raises(NonFiniteRewardError):
        zero_variance_groups(rewards, [0, 0, 1, 1])


def test_bad_arguments_say_what_to_pass():
    with pytest.raises(InvalidArgumentError, match="one per sample"):
        group_advantages([1.0, 0.0], [0])
    with pytest.raises(InvalidArgumentError, match="scaling"):
        group_advantages([1.0, 0.0], [0, 0], scaling="std")
    with pytest.raises(InvalidArgumentError, match="eps"):
        group_advantages([1.0, 0.0], [0, 0], eps=0.0)
    with pytest.raises(InvalidArgumentError, match="at least one"):
        group_advantages([], [])
    with pytest.raises(InvalidArgumentError, match="1-D"):
        group_advantages([[1.0, 0.0]], [0])


def test_zero_variance_groups_are_found_with_their_fraction_and_a_keep_mask():
    rewards = [1.0, 0.0, 1.0, 0.5, 1.0, 0.5, 1.0]
    groups = ["a", "b", "a", "c", "b", "c", "a"]
    found = zero_variance_groups(rewards, groups)
    assert found.groups == ["a", "c"]
    assert found.fraction == pytest.approx(2 / 3)
    assert found.keep.tolist() == [False, True, False, False, True, False, False]


def test_no_zero_variance_group_gives_fraction_zero():
    found = zero_variance_groups([1.0, 0.0, 0.0, 1.0], [0, 0, 1, 1])
    assert found.groups == []
    assert found.fraction == 0.0
    assert found.keep.all()


def test_turn_returns_discount_later_rewards():
    assert turn_returns([0.0, 0.0, 1.0], 0.9) == pytest.approx([0.81, 0.9, 1.0])
    # 2; 0 + 0.5 * 2 = 1; 1 + 0.5 * 1 = 1.5
    assert turn_returns([1.0, 0.0, 2.0], 0.5).tolist() == [1.5, 1.0, 2.0]
    assert turn_returns([1.0, 0.0, 2.0], 0.0).tolist() == [1.0, 0.0, 2.0]


def test_turn_returns_refuse_a_bad_gamma_and_a_nan_turn():
    with pytest.raises(InvalidArgumentError, match="gamma"):
        turn_returns([1.0], 1.5)
    with pytest.raises(NonFiniteRewardError, match=r"turn_rewards\[1\]"):
        turn_returns([0.0, math.nan], 0.9)


def test_role_baselines_follow_the_ema_and_score_against_the_old_baseline():
    baselines = RoleBaselines(alpha=0.9)
    # baseline 0: advantages are the returns; then b = 0.1 * mean(1, 0) = 0.05
    assert baselines.update("kuhn", "p0", [1.0, 0.0]).tolist() == [1.0, 0.0]
    assert baselines.baseline("kuhn", "p0") == pytest.approx(0.05)
    # 1 - 0.05 = 0.95; b = 0.9 * 0.05 + 0.1 * 1 = 0.145
    assert baselines.update("kuhn", "p0", [1.0]) == pytest.approx([0.95])
    assert baselines.baseline("kuhn", "p0") == pytest.approx(0.145)
    # -1 - 0.145, 0 - 0.145; b = 0.9 * 0.145 + 0.1 * (-0.5) = 0.0805
    assert baselines.update("kuhn", "p0", [-1.0, 0.0]) == pytest.approx([-1.145, -0.145])
    assert baselines.baseline("kuhn", "p0") == pytest.approx(0.0805)
    # each (game, role) has its own baseline
    assert baselines.update("kuhn", "p1", [-1.0]).tolist() == [-1.0]
    assert baselines.baseline("kuhn", "p1") == pytest.approx(-0.1)
    assert baselines.baseline("leduc", "p0") == 0.0


def test_role_baselines_state_round_trips_through_json_exactly():
    baselines = RoleBaselines(alpha=0.9)
    baselines.update("kuhn", "p0", [1.0, 0.0, 1.0])
    baselines.update("kuhn", "p1", [-0.3])
    restored = RoleBaselines(alpha=0.9)
    restored.load_state_dict(json.loads(json.dumps(baselines.state_dict())))
    assert restored.state_dict() == baselines.state_dict()
    next_returns = [0.7, -0.2]
    assert (
        restored.update("kuhn", "p0", next_returns).tolist()
        == baselines.update("kuhn", "p0", next_returns).tolist()
    )
    assert restored.baseline("kuhn", "p0") == baselines.baseline("kuhn", "p0")


def test_role_baselines_validate_alpha_and_state():
    for alpha in (1.0, -0.1, math.nan, True):
        with pytest.raises(InvalidArgumentError, match="alpha"):
            RoleBaselines(alpha=alpha)
    with pytest.raises(InvalidArgumentError, match=r"alpha=0\.5"):
        RoleBaselines(alpha=0.9).load_state_dict({"alpha": 0.5, "baselines": []})
    with pytest.raises(InvalidArgumentError, match="state_dict"):
        RoleBaselines().load_state_dict({"baselines": []})
    with pytest.raises(NonFiniteRewardError, match=r"returns\[0\]"):
        RoleBaselines().update("kuhn", "p0", [math.inf])
    with pytest.raises(InvalidArgumentError, match="at least one"):
        RoleBaselines().update("kuhn", "p0", [])
