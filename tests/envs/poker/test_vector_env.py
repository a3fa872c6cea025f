import math

import gymnasium as gym
import numpy as np
import pytest

from cogym.core.errors import CogymError, InvalidArgumentError, ResetNeeded
from cogym.envs.poker.game import KuhnPoker, info_state_tensor
from cogym.envs.poker.nash import nash_policy
from cogym.envs.poker.opponents import make_opponent, opponent_policy
from cogym.envs.poker.vector_env import KuhnPokerVectorEnv
from cogym.games import TabularPolicy, expected_returns


def _history(row: np.ndarray) -> str:
    """The betting read back from an observation row (slots 5-10: pass/bet per action)."""
    return "".join(
        "pb"[int(np.argmax(row[5 + 2 * i : 7 + 2 * i]))]
        for i in range(3)
        if row[5 + 2 * i : 7 + 2 * i].any()
    )


def test_make_vec_gives_the_native_batch_and_sync_still_gives_text_envs():
    native = gym.make_vec("cogym/KuhnPoker-v0", num_envs=8)
    assert isinstance(native, KuhnPokerVectorEnv)
    assert native.single_observation_space == gym.spaces.Box(0, 1, (11,), np.float32)
    assert native.action_space == gym.spaces.MultiDiscrete([2] * 8)
    synced = gym.make_vec("cogym/KuhnPoker-v0", num_envs=2, vectorization_mode="sync")
    observations, _ = synced.reset(seed=0)
    assert isinstance(observations[0], str) and "Kuhn poker" in observations[0]
    synced.close()


def test_observations_are_the_one_hot_information_states_and_seats_alternate():
    envs = KuhnPokerVectorEnv(4, opponent="always_check")
    observations, info = envs.reset(seed=0)
    assert info["seat"].tolist() == [0, 1, 0, 1]
    assert info["action_mask"].tolist() == [[1, 1]] * 4
    for row, seat in zip(observations, info["seat"], strict=True):
        card = int(np.argmax(row[2:5]))
        np.testing.assert_array_equal(row, info_state_tensor(seat, card, "" if seat == 0 else "p"))
    _, _, terminated, _, info = envs.step(np.ones(4, dtype=np.int64))
    assert terminated.all() and info["seat"].tolist() == [1, 0, 1, 0]


def test_betting_into_always_check_wins_one_chip_per_hand_from_both_seats():
    envs = KuhnPokerVectorEnv(6, opponent="always_check")
    envs.reset(seed=0)
    for _ in range(5):
        _, rewards, terminated, truncated, info = envs.step(np.ones(6, dtype=np.int64))
        assert rewards.tolist() == [1.0] * 6 and terminated.all() and not truncated.any()
        assert info["_final_obs"].all() and info["final_info"]["chips"].tolist() == [1.0] * 6


def test_calling_always_bet_is_a_showdown_for_two_chips():
    envs = KuhnPokerVectorEnv(32, opponent="always_bet", seat=0)
    envs.reset(seed=3)
    _, rewards, terminated, _, info = envs.step(np.ones(32, dtype=np.int64))
    assert terminated.all() and set(rewards.tolist()) == {-2.0, 2.0}
    for final, reward in zip(info["final_obs"], rewards, strict=True):
        assert _history(final) == "bb"
        card = int(np.argmax(final[2:5]))
        assert reward == {0: -2.0, 2: 2.0}.get(card, reward)  # a J always loses, a K wins


@pytest.mark.parametrize("opponent", ["random", "nash", "always_bet"])
def test_mean_chips_match_the_exact_value_of_the_policy_played(opponent):
    """A fixed policy (bet with K, call with Q or K, else pass) played in the batch earns
    what the exact evaluation says, within four standard errors."""
    envs = KuhnPokerVectorEnv(2000, opponent=opponent)
    observations, _ = envs.reset(seed=1)
    chips = []
    for _ in range(30):
        card = np.argmax(observations[:, 2:5], axis=1)
        facing = np.array([_history(row).endswith("b") for row in observations])
        actions = np.where(card == 2, 1, np.where(facing & (card == 1), 1, 0))
        observations, rewards, terminated, _, _ = envs.step(actions)
        chips.extend(rewards[terminated].tolist())
    chips = np.array(chips)

    def bet_probability(key):
        card, _, history = key.partition(":")
        facing = history.endswith("b")
        return 1.0 if card == "K" or (facing and card == "Q") else 0.0

    keys = [f"{c}:{h}" for c in "JQK" for h in ("", "p", "b", "pb")]
    mine = TabularPolicy({k: {0: 1 - bet_probability(k), 1: bet_probability(k)} for k in keys})
    theirs = opponent_policy(make_opponent(opponent, 1 / 6))
    game = KuhnPoker()
    exact = (
        float(expected_returns(game, [mine, theirs])[0])
        + float(expected_returns(game, [theirs, mine])[1])
    ) / 2
    stderr = chips.std(ddof=1) / math.sqrt(len(chips))
    assert abs(chips.mean() - exact) < 4 * stderr, (chips.mean(), exact, stderr)


def test_invalid_actions_are_penalised_and_forfeit_at_the_allowance():
    envs = KuhnPokerVectorEnv(2, opponent="always_check", seat=0, error_allowance=2)
    envs.reset(seed=0)
    _, rewards, terminated, _, _ = envs.step(np.array([5, 1]))
    assert rewards.tolist() == [pytest.approx(-0.1), 1.0] and terminated.tolist() == [False, True]
    _, rewards, terminated, _, info = envs.step(np.array([-1, 1]))
    assert rewards[0] == pytest.approx(-1.1) and terminated.tolist() == [True, True]
    assert info["final_info"]["chips"][0] == -1.0


def test_a_match_ends_after_num_hands_with_chip_totals():
    envs = gym.make_vec("cogym/KuhnPoker-Match-v0", num_envs=3, opponent="always_check")
    envs.reset(seed=0)
    for step in range(1, 11):
        _, _, terminated, _, info = envs.step(np.ones(3, dtype=np.int64))
        assert terminated.all() == (step == 10)
    assert info["final_info"]["chips"].tolist() == [10.0] * 3 and info["chips"].tolist() == [0] * 3


def test_same_seed_same_games():
    def play(seed):
        envs = KuhnPokerVectorEnv(16, opponent=nash_policy(0.1))
        out = [envs.reset(seed=seed)[0]]
        rng = np.random.default_rng(0)
        for _ in range(5):
            out.append(envs.step(rng.integers(2, size=16))[:2])
        return repr(out)

    assert play(4) == play(4) and play(4) != play(5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"obs_mode": "text"}, "vectorization_mode='sync'"),
        ({"opponent": lambda key: 1}, "opponent name or a solver policy"),
        ({"num_envs": 0}, "num_envs must be an int >= 1"),
        ({"seat": 3}, "seat must be one of"),
    ],
)
def test_bad_arguments_raise_a_clear_error(kwargs, match):
    kwargs = {"num_envs": 2, **kwargs}
    with pytest.raises(InvalidArgumentError, match=match):
        KuhnPokerVectorEnv(**kwargs)


def test_misuse_raises():
    envs = KuhnPokerVectorEnv(3)
    with pytest.raises(ResetNeeded):
        envs.step(np.zeros(3, dtype=np.int64))
    envs.reset()
    with pytest.raises(InvalidArgumentError, match="one action per game"):
        envs.step(np.zeros(2, dtype=np.int64))
    with pytest.raises(InvalidArgumentError, match="no reset options"):
        envs.reset(options={"cards": "KQ"})


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"invalid_action_reward": "x"}, "invalid_action_reward"),
        ({"invalid_action_reward": float("nan")}, "invalid_action_reward"),
        ({"invalid_action_reward": float("inf")}, "invalid_action_reward"),
        ({"max_turns": 0}, "max_turns"),
        ({"max_turns": 2.5}, "max_turns"),
        ({"max_turns": True}, "max_turns"),
    ],
)
def test_the_native_batch_checks_its_kwargs_when_made(kwargs, name):
    with pytest.raises(CogymError, match=name):
        gym.make_vec("cogym/KuhnPoker-v0", num_envs=2, **kwargs)
