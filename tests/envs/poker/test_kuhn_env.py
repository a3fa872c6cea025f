import json
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from cogym.core.errors import (
    InvalidArgumentError,
    InvalidTaskError,
    ResetNeeded,
    UnknownKwargError,
)
from cogym.envs.poker.env import KuhnPokerEnv
from cogym.envs.poker.game import info_state_tensor

IDS = ["cogym/KuhnPoker-v0", "cogym/KuhnPoker-Match-v0"]


@pytest.mark.parametrize("env_id", IDS)
def test_vector_mode_passes_gymnasium_env_checker_without_warnings(env_id):
    """Text mode is checked with every registered id in tests/test_registry.py."""
    env = gym.make(env_id, obs_mode="vector").unwrapped
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env)
    env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_vector_mode_passes_stable_baselines3_env_checker(env_id, make_env):
    sb3_checker = pytest.importorskip(
        "stable_baselines3.common.env_checker", reason="needs the rl extra: pip install 'cogym[rl]'"
    )
    env = make_env(env_id, obs_mode="vector")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_checker.check_env(env.unwrapped, warn=True)


@pytest.mark.parametrize("obs_mode", ["text", "vector"])
@pytest.mark.parametrize("env_id", IDS)
def test_same_seed_gives_the_same_episode_byte_for_byte(env_id, obs_mode, make_env):
    def play(seed):
        env = make_env(env_id, obs_mode=obs_mode, opponent="random")
        rng = np.random.default_rng(0)
        transcript = [env.reset(seed=seed)]
        for _ in range(3):
            done = False
            while not done:
                legal = transcript[-1][-1]["legal_actions"]
                if obs_mode == "text":
                    action = legal[int(rng.integers(len(legal)))]
                else:
                    action = int(rng.integers(2))
                step = env.step(action)
                transcript.append(step)
                done = step[2] or step[3]
            transcript.append(env.reset())
        return json.dumps(transcript, sort_keys=True, default=str)

    assert play(7) == play(7)
    assert play(7) != play(8)


def test_first_observation_states_rules_seat_card_betting_chips_and_legal_moves(make_env):
    env = make_env("cogym/KuhnPoker-v0", seat=1, opponent="always_bet")
    observation, info = env.reset(seed=0, options={"cards": "QK"})
    assert "J < Q < K" in observation and "antes 1 chip" in observation
    assert "You are player 1" in observation
    assert "Your card: K." in observation
    assert "The opponent bet." in observation
    assert "Pot: 3 chips (you put in 1, the opponent 2)." in observation
    assert observation.endswith("Legal moves: [fold], [call]")
    assert info["legal_actions"] == ["[fold]", "[call]"]
    assert info["info_state"] == "K:b" and info["seat"] == 1 and info["turn"] == 0


@pytest.mark.parametrize(
    ("seat", "cards", "opponent", "moves", "chips", "history"),
    [
        (0, "KJ", "always_check", ["[bet]"], 1, "bp"),
        (0, "KJ", "always_check", ["[check]"], 1, "pp"),
        (0, "JK", "always_bet", ["[check]", "[call]"], -2, "pbb"),
        (0, "JK", "always_bet", ["[check]", "[fold]"], -1, "pbp"),
        (0, "QJ", "always_bet", ["[bet]"], 2, "bb"),
        (1, "KQ", "always_bet", ["[fold]"], -1, "bp"),
        (1, "JQ", "always_check", ["[bet]"], 1, "pbp"),
        (1, "JQ", "always_check", ["[check]"], 1, "pp"),
        (1, "QK", "always_bet", ["[call]"], 2, "bb"),
    ],
)
def test_chips_move_exactly_as_the_rules_say(seat, cards, opponent, moves, chips, history):
    env = KuhnPokerEnv(seat=seat, opponent=opponent)
    env.reset(seed=0, options={"cards": cards})
    for move in moves:
        _, reward, terminated, truncated, info = env.step(move)
    assert terminated and not truncated
    assert reward == chips and info["chips"] == chips
    result = info["hand_result"]
    assert result["history"] == history and result["cards"] == cards
    assert sum(result["returns"]) == 0 and result["returns"][seat] == chips
    assert info["feedback_kind"] == ("hand_won" if chips > 0 else "hand_lost")
    assert info["success"] is (chips > 0)
    assert info["legal_actions"] == [] and info["action_mask"].tolist() == [0, 0]


def test_showdown_shows_both_cards_and_a_fold_shows_none():
    env = KuhnPokerEnv(seat=0, opponent="always_bet")
    env.reset(seed=0, options={"cards": "QJ"})
    observation, *_ = env.step("[bet]")
    assert observation == (
        "You bet. The opponent called. Showdown: your Q against the opponent's J; "
        "your card wins. You win 2 chips."
    )
    env = KuhnPokerEnv(seat=0, opponent="always_check")
    env.reset(seed=0, options={"cards": "QK"})
    observation, *_ = env.step("[bet]")
    assert observation == "You bet. The opponent folded. You win 1 chip."


def test_reasoning_before_the_move_is_allowed_and_the_last_move_counts():
    env = KuhnPokerEnv(seat=0, opponent="always_check")
    env.reset(seed=0, options={"cards": "KJ"})
    _, reward, terminated, _, info = env.step(
        "I hold the King. I could [check], but betting wins more.\nMy move: [ Bet ]"
    )
    assert info["action_valid"] and terminated and info["hand_result"]["history"] == "bp"


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("I raise", "no_move"),
        ("", "no_move"),
        ("[call]", "illegal_move"),
        ("[fold]", "illegal_move"),
        (12, "not_text"),
        ("x" * 20000, "action_too_long"),
    ],
)
def test_an_invalid_move_is_penalised_explained_and_counted(action, kind):
    env = KuhnPokerEnv(seat=0, invalid_action_reward=-0.25)
    env.reset(seed=0)
    observation, reward, terminated, truncated, info = env.step(action)
    assert reward == -0.25 and not terminated and not truncated
    assert info["action_valid"] is False and info["feedback_kind"] == kind
    assert info["turn"] == 1 and info["legal_actions"] == ["[check]", "[bet]"]
    assert "Invalid" in observation or "characters long" in observation or "text" in observation


def test_error_allowance_invalid_moves_in_a_row_forfeit_the_hand():
    env = KuhnPokerEnv(seat=0, opponent="always_bet", error_allowance=2, invalid_action_reward=-0.1)
    env.reset(seed=0, options={"cards": "KQ"})
    env.step("[check]")  # the opponent bets: the agent has put in 1 chip
    _, reward, terminated, _, info = env.step("[raise]")
    assert not terminated and info["invalid_in_a_row"] == 1
    observation, reward, terminated, truncated, info = env.step("[raise]")
    assert terminated and not truncated
    assert reward == pytest.approx(-1 - 0.1)
    assert info["feedback_kind"] == "forfeit" and info["hand_result"]["forfeited_by"] == 0
    assert info["hand_result"]["returns"] == (-1, 1)
    assert "forfeited the hand" in observation


def test_a_valid_move_resets_the_invalid_count():
    env = KuhnPokerEnv(seat=0, opponent="always_bet", error_allowance=2)
    env.reset(seed=0, options={"cards": "KQ"})
    env.step("nonsense")
    _, _, terminated, _, info = env.step("[check]")
    assert not terminated and info["invalid_in_a_row"] == 0
    _, _, terminated, _, info = env.step("nonsense")
    assert not terminated and info["invalid_in_a_row"] == 1


def test_default_turn_limit_is_never_reached_before_the_rules_end_the_episode():
    env = KuhnPokerEnv(seat=0, opponent="always_bet")
    assert env.max_turns == 6
    env.reset(seed=0)
    for _ in range(2):
        env.step("?")
    env.step("[check]")
    env.step("?")
    _, _, terminated, truncated, info = env.step("?")
    assert not terminated and info["turn"] == 5
    _, _, terminated, truncated, info = env.step("?")
    assert terminated and not truncated and info["feedback_kind"] == "forfeit"


def test_a_small_max_turns_truncates():
    env = KuhnPokerEnv(seat=0, max_turns=1)
    env.reset(seed=0)
    _, _, terminated, truncated, _ = env.step("?")
    assert truncated and not terminated
    with pytest.raises(ResetNeeded):
        env.step("[check]")


def test_seat_alternates_by_episode_and_a_seeded_reset_starts_at_the_seed_parity():
    env = KuhnPokerEnv()
    seats = [env.reset(seed=4)[1]["seat"]] + [env.reset()[1]["seat"] for _ in range(3)]
    assert seats == [0, 1, 0, 1]
    assert [env.reset(seed=seed)[1]["seat"] for seed in (3, 3, 10, 11)] == [1, 1, 0, 1]


def test_seat_kwarg_and_option_pin_the_seat():
    assert {KuhnPokerEnv(seat=1).reset()[1]["seat"] for _ in range(4)} == {1}
    env = KuhnPokerEnv(seat="random")
    seats = {env.reset(seed=seed)[1]["seat"] for seed in range(20)}
    assert seats == {0, 1}
    assert env.reset(seed=0, options={"seat": 1})[1]["seat"] == 1


def test_vector_mode_observes_the_one_hot_information_state_with_an_action_mask():
    env = KuhnPokerEnv(obs_mode="vector", seat=1, opponent="always_check")
    observation, info = env.reset(seed=0, options={"cards": "JQ"})
    assert env.action_space == gym.spaces.Discrete(2)
    assert observation.dtype == np.float32 and observation.shape == (11,)
    np.testing.assert_array_equal(observation, info_state_tensor(1, 1, "p"))
    assert info["action_mask"].tolist() == [1, 1] and info["info_state"] == "Q:p"
    observation, reward, terminated, _, info = env.step(np.int64(1))
    assert terminated and reward == 1.0
    np.testing.assert_array_equal(observation, info_state_tensor(1, 1, "pbp"))


@pytest.mark.parametrize("action", [2, -1, 0.5, "bet", None, True])
def test_vector_mode_answers_an_action_outside_the_space_with_the_penalty(action):
    env = KuhnPokerEnv(obs_mode="vector", seat=0)
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(action)
    assert reward == -0.1 and not terminated
    assert info["action_valid"] is False and info["feedback_kind"] == "invalid_action"


def test_match_plays_num_hands_with_alternating_seats_and_running_chip_totals():
    env = KuhnPokerEnv(num_hands=6, opponent="random")
    observation, info = env.reset(seed=12)
    assert observation.count("Match of 6 hands. Hand 1:") == 1
    rng = np.random.default_rng(1)
    seats, chips, hands_ended = [info["seat"]], 0, 0
    terminated = False
    while not terminated:
        move = info["legal_actions"][int(rng.integers(2))]
        observation, reward, terminated, truncated, info = env.step(move)
        assert not truncated
        if "hand_result" in info:
            hands_ended += 1
            chips += reward
            assert info["hand_result"]["returns"][info["hand_result"]["seat"]] == reward
            if not terminated:
                seats.append(info["seat"])
                assert f"Hand {hands_ended + 1}:" in observation
    assert hands_ended == 6 and seats == [0, 1, 0, 1, 0, 1]
    assert info["chips"] == chips and info["hand"] == 6
    assert observation.endswith(f"The match is over. Your chips: {int(chips):+d}.")
    assert info["success"] is (chips > 0)


def test_callable_and_agent_opponents_play_the_other_seat():
    calls = []

    def fold_everything(key):
        calls.append(key)
        return 0

    env = KuhnPokerEnv(seat=0, opponent=fold_everything)
    env.reset(seed=0, options={"cards": "JQ"})
    _, reward, terminated, *_ = env.step("[bet]")
    assert calls == ["Q:b"] and terminated and reward == 1

    class Echo:
        def __init__(self):
            self.seen = []

        def reset(self):
            self.seen.clear()

        def act(self, observation, info):
            self.seen.append((observation, info["legal_actions"]))
            return "nonsense" if len(self.seen) == 1 else "[call]"

    agent = Echo()
    env = KuhnPokerEnv(seat=0, opponent=agent)
    env.reset(seed=0, options={"cards": "JQ"})
    _, reward, terminated, *_ = env.step("[bet]")
    assert terminated and reward == -2
    first, retry = agent.seen
    assert "Your card: Q." in first[0] and first[1] == ["[fold]", "[call]"]
    assert retry[0].startswith("Invalid move: no move found.")


def test_an_opponent_without_a_legal_move_after_its_tries_passes():
    env = KuhnPokerEnv(seat=0, opponent=lambda key: "[raise]", error_allowance=2)
    env.reset(seed=0, options={"cards": "JQ"})
    _, reward, terminated, _, info = env.step("[bet]")
    assert terminated and reward == 1 and info["hand_result"]["history"] == "bp"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"opponent": "shark"}, InvalidArgumentError, "unknown opponent 'shark'"),
        ({"opponent": 3}, InvalidArgumentError, "opponent must be"),
        ({"opponent_alpha": 0.5}, InvalidArgumentError, "opponent_alpha must be a number in"),
        ({"seat": 2}, InvalidArgumentError, "seat must be one of"),
        ({"obs_mode": "image"}, InvalidArgumentError, "obs_mode must be one of"),
        ({"num_hands": 0}, InvalidArgumentError, "num_hands must be an int >= 1"),
        ({"error_allowance": 0}, InvalidArgumentError, "error_allowance must be an int >= 1"),
        ({"hands": 3}, UnknownKwargError, "accepted kwargs are: opponent"),
    ],
)
def test_bad_kwargs_raise_a_clear_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        gym.make("cogym/KuhnPoker-v0", **kwargs)


@pytest.mark.parametrize("cards", ["KK", "KX", [0, 5], "K", 7])
def test_bad_cards_option_raises_a_clear_error(cards):
    env = KuhnPokerEnv()
    with pytest.raises(InvalidTaskError, match="two different cards"):
        env.reset(options={"cards": cards})


def test_step_before_reset_raises():
    with pytest.raises(ResetNeeded, match="call reset"):
        KuhnPokerEnv().step("[check]")


def test_render_ansi_shows_the_last_move_and_reply():
    env = KuhnPokerEnv(seat=0, opponent="always_check", render_mode="ansi")
    env.reset(seed=0, options={"cards": "KQ"})
    env.step("[bet]")
    assert env.render() == (
        "[KuhnPokerEnv turn 1/6]\n> [bet]\nYou bet. The opponent folded. You win 1 chip.\n"
    )


def test_a_vector_env_batches_a_forfeited_hand_beside_a_played_one():
    import gymnasium as gym

    import cogym

    # seat 0 holding a K: [check] then the Nash opponent checks or bets; find a deal where
    # its hand ends at once, while the other env forfeits (error_allowance 1) the same step
    for seed in range(64):
        probe = cogym.make("cogym/KuhnPoker-v0", error_allowance=1, seat=0)
        probe.reset(seed=seed)
        *_, terminated, _, info = probe.step("[check]")
        if terminated and "hand_result" in info:
            break
    else:
        pytest.fail("no seed in 0-63 ends the hand at the first [check]")
    assert info["hand_result"]["forfeited_by"] == -1
    envs = gym.vector.SyncVectorEnv(
        [lambda: cogym.make("cogym/KuhnPoker-v0", error_allowance=1, seat=0)] * 2
    )
    envs.reset(seed=[seed, seed])
    _, rewards, terminated, _, infos = envs.step(["not a move", "[check]"])
    assert terminated.tolist() == [True, True]
    assert infos["hand_result"]["forfeited_by"].tolist() == [0, -1]
    envs.close()
