"""stable-baselines3 and sb3-contrib run unchanged on the vector mode, and PPO learns to
exploit an exploitable opponent (judged by the exact value of the learned policy)."""

import numpy as np
import pytest

import cogym
from cogym.envs.poker.game import KuhnPoker
from cogym.envs.poker.nash import nash_policy
from cogym.envs.poker.opponents import make_opponent, opponent_policy
from cogym.envs.poker.tabulate import decision_tensors, tabulate
from cogym.games import expected_returns

sb3 = pytest.importorskip("stable_baselines3", reason="needs the rl extra: pip install 'cogym[rl]'")
torch = pytest.importorskip("torch")


def _value(policy, opponent):
    game = KuhnPoker()
    first = expected_returns(game, [policy, opponent])[0]
    second = expected_returns(game, [opponent, policy])[1]
    return float(first + second) / 2


def _make_vec(opponent, n_envs=4, seed=0):
    from stable_baselines3.common.env_util import make_vec_env

    return make_vec_env(
        lambda: cogym.make("cogym/KuhnPoker-v0", obs_mode="vector", opponent=opponent),
        n_envs=n_envs,
        seed=seed,
    )


@pytest.mark.slow
def test_ppo_learns_a_policy_that_beats_nash_against_an_exploitable_opponent():
    torch.set_num_threads(1)
    model = sb3.PPO(
        "MlpPolicy",
        _make_vec("random"),
        n_steps=256,
        batch_size=256,
        gamma=1.0,
        learning_rate=1e-3,
        ent_coef=0.01,
        seed=0,
        device="cpu",
    )
    model.learn(12_000)

    def bet_probabilities(vectors):
        with torch.no_grad():
            distribution = model.policy.get_distribution(torch.as_tensor(vectors))
            return distribution.distribution.probs[:, 1]

    opponent = opponent_policy(make_opponent("random", 1 / 6))
    learned = _value(tabulate(bet_probabilities), opponent)
    nash = _value(nash_policy(1 / 6), opponent)
    assert learned > nash + 0.1, (learned, nash)


def test_maskable_ppo_runs_unchanged_with_the_action_masks():
    contrib = pytest.importorskip("sb3_contrib")
    from sb3_contrib.common.maskable.utils import get_action_masks, is_masking_supported

    env = _make_vec("always_bet", n_envs=2)
    assert is_masking_supported(env)
    assert get_action_masks(env).tolist() == [[True, True], [True, True]]
    model = contrib.MaskablePPO("MlpPolicy", env, n_steps=64, batch_size=64, seed=0, device="cpu")
    model.learn(128)


def test_tabulate_reads_every_information_state_in_order():
    keys, vectors = decision_tensors()
    assert len(keys) == 12 and vectors.shape == (12, 11) and keys[0] == "J:"
    policy = tabulate(lambda x: np.where(x[:, 4] == 1, 1.0, 0.0))  # bet exactly with a K
    assert policy.table["K:pb"] == {0: 0.0, 1: 1.0} and policy.table["Q:"] == {0: 1.0, 1: 0.0}


def test_tabulate_rejects_a_function_that_does_not_return_probabilities():
    from cogym.core.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="12 probabilities"):
        tabulate(lambda x: np.full(len(x), 2.0))
