import subprocess
import sys
import warnings

import numpy as np
import pytest
from pettingzoo.test import api_test, seed_test

from cogym.core.errors import InvalidArgumentError, ResetNeeded
from cogym.envs.poker.aec import ACTION_MAX_LENGTH, TEXT_MAX_LENGTH, KuhnPokerAEC, env
from cogym.envs.poker.game import BET, PASS
from cogym.envs.poker.text import RULES

TEXT = {"text_observations": True, "text_actions": True}
VARIANTS = [{}, {"text_observations": True}, {"num_hands": 5}, TEXT, {**TEXT, "num_hands": 3}]


def reset_to_deal(game, cards: str, num_seeds: int = 200) -> int:
    """Reset ``game`` with the first seed that deals ``cards`` (e.g. ``"KJ"``); return it."""
    for seed in range(num_seeds):
        game.reset(seed=seed)
        dealt = "".join(game.infos[agent]["info_state"][0] for agent in game.agents)
        if dealt == cards:
            return seed
    raise AssertionError(f"no seed below {num_seeds} deals {cards}")


def play_out(game, actions) -> dict[str, float]:
    """Step ``actions`` in turn, then the dead steps; return each agent's total reward."""
    totals = dict.fromkeys(game.possible_agents, 0.0)
    moves = iter(actions)
    for agent in game.agent_iter():
        _, reward, terminated, truncated, _ = game.last()
        totals[agent] += reward
        game.step(None if terminated or truncated else next(moves))
    return totals


def play_randomly(game, rng) -> dict[str, float]:
    return play_out(game, iter(lambda: int(rng.integers(2)), None))


@pytest.mark.parametrize("kwargs", VARIANTS, ids=str)
def test_passes_the_pettingzoo_api_test_with_only_the_dict_observation_warnings(kwargs):
    # api_test lists by name the classic games allowed a Dict observation; any other
    # name gets these two warnings, which PettingZoo's own poker games would get too.
    expected = {
        "Observation is not a NumPy array",
        "Observation space for each agent probably should be gymnasium.spaces.box or "
        "gymnasium.spaces.discrete",
    }
    if kwargs.get("text_actions"):  # a Text action space, as every LLM-facing env has
        expected.add(
            "Action space for each agent probably should be gymnasium.spaces.box or "
            "gymnasium.spaces.discrete"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api_test(env(**kwargs), num_cycles=300)
    assert {str(warning.message) for warning in caught} <= expected


@pytest.mark.parametrize("kwargs", VARIANTS, ids=str)
def test_passes_the_pettingzoo_seed_test(kwargs):
    seed_test(lambda: env(**kwargs), num_cycles=50)


def test_spaces_are_the_documented_ones():
    game = env(text_observations=True)
    for agent in ("player_0", "player_1"):
        space = game.observation_space(agent)
        assert space["observation"].shape == (11,)
        assert space["observation"].dtype == np.float32
        assert space["action_mask"].shape == (2,)
        assert space["action_mask"].dtype == np.int8
        assert space["text"].max_length == TEXT_MAX_LENGTH
        assert game.action_space(agent).n == 2
    assert "text" not in env().observation_space("player_0").spaces


def test_player_0_acts_first_and_only_the_agent_to_act_has_legal_moves():
    game = env()
    game.reset(seed=0)
    assert game.agents == ["player_0", "player_1"]
    assert game.agent_selection == "player_0"
    assert game.observe("player_0")["action_mask"].tolist() == [1, 1]
    assert game.observe("player_1")["action_mask"].tolist() == [0, 0]
    assert game.infos["player_0"]["legal_actions"] == ["[check]", "[bet]"]
    assert game.infos["player_1"]["legal_actions"] == []
    game.step(BET)
    assert game.agent_selection == "player_1"
    assert game.observe("player_1")["action_mask"].tolist() == [1, 1]
    assert game.infos["player_1"]["legal_actions"] == ["[fold]", "[call]"]


def test_bet_and_call_goes_to_showdown_for_two_chips():
    game = env()
    reset_to_deal(game, "KJ")
    assert play_out(game, [BET, BET]) == {"player_0": 2.0, "player_1": -2.0}
    assert game.agents == []


def test_two_checks_go_to_showdown_for_the_antes():
    game = env()
    reset_to_deal(game, "JQ")
    assert play_out(game, [PASS, PASS]) == {"player_0": -1.0, "player_1": 1.0}


def test_a_fold_gives_the_pot_to_the_bettor_whatever_the_cards():
    game = env()
    reset_to_deal(game, "KJ")
    assert play_out(game, [PASS, BET, PASS]) == {"player_0": -1.0, "player_1": 1.0}


def test_both_agents_terminate_at_the_end_and_then_step_once_with_none():
    game = env()
    reset_to_deal(game, "QK")
    game.step(BET)
    game.step(PASS)
    assert game.terminations == {"player_0": True, "player_1": True}
    assert game.truncations == {"player_0": False, "player_1": False}
    observation, reward, terminated, _, info = game.last()
    assert terminated
    assert observation["action_mask"].tolist() == [0, 0]
    assert info["legal_actions"] == []
    game.step(None)
    game.step(None)
    assert game.agents == []


def test_rewards_sum_to_zero_over_many_random_games():
    rng = np.random.default_rng(0)
    game = env(num_hands=3)
    for seed in range(200):
        game.reset(seed=seed)
        totals = play_randomly(game, rng)
        assert sum(totals.values()) == 0.0
        assert all(abs(total) <= 6 for total in totals.values())


def test_the_same_seed_gives_the_same_deals_and_other_seeds_vary():
    def deals(seed):
        game = env(num_hands=6, render_mode="ansi")
        game.reset(seed=seed)
        tables = []
        for agent in game.agent_iter():
            tables.append(game.render())
            game.step(None if game.terminations[agent] else PASS)
        return tables

    assert deals(7) == deals(7)
    assert len({tuple(deals(seed)) for seed in range(5)}) > 1


def test_a_match_ends_after_num_hands_with_chips_equal_to_the_rewards():
    rng = np.random.default_rng(1)
    game = env(num_hands=4)
    game.reset(seed=3)
    totals = dict.fromkeys(game.possible_agents, 0.0)
    hands_seen = set()
    final_chips = {}
    for agent in game.agent_iter():
        _, reward, terminated, _, info = game.last()
        totals[agent] += reward
        hands_seen.add(info["hand"])
        if terminated:
            final_chips[agent] = info["chips"]
        game.step(None if terminated else int(rng.integers(2)))
    assert hands_seen == {1, 2, 3, 4}
    assert final_chips == totals


def test_rewards_arrive_at_the_end_of_each_hand_of_a_match():
    game = env(num_hands=2)
    reset_to_deal(game, "KQ")
    game.step(BET)
    game.step(BET)
    assert game.rewards == {"player_0": 2.0, "player_1": -2.0}
    assert not any(game.terminations.values())
    assert game.agent_selection == "player_0"
    assert game.infos["player_0"]["hand"] == 2
    assert game.infos["player_0"]["chips"] == 2
    assert game.infos["player_1"]["chips"] == -2


def test_the_text_observation_names_the_card_and_the_legal_moves():
    game = env(text_observations=True)
    reset_to_deal(game, "QK")
    first = game.observe("player_0")["text"]
    assert first.startswith(RULES)
    assert "Your card: Q." in first
    assert "Legal moves: [check], [bet]" in first
    game.step(BET)
    reply = game.observe("player_1")["text"]
    assert "Your card: K." in reply
    assert "The opponent bet." in reply
    assert "Legal moves: [fold], [call]" in reply
    game.step(BET)
    result = game.observe("player_0")["text"]
    assert "The opponent called." in result
    assert "You lose 2 chips." in result


def test_the_text_observation_tells_the_next_hand_how_the_last_one_ended():
    game = env(text_observations=True, num_hands=2)
    reset_to_deal(game, "JK")
    game.step(PASS)
    game.step(BET)
    game.step(PASS)
    folder = game.observe("player_0")["text"]
    assert folder.startswith("You lose 1 chip.")
    assert "Hand 2 of 2." in folder
    assert RULES not in folder
    game.step(PASS)
    bettor = game.observe("player_1")["text"]
    assert bettor.startswith("The opponent folded. You win 1 chip.")
    assert "Hand 2 of 2." in bettor
    assert "Betting so far: The opponent checked." in bettor


def test_text_actions_take_a_reply_in_words_and_drop_the_action_mask():
    game = env(**TEXT)
    for agent in ("player_0", "player_1"):
        assert game.action_space(agent).max_length == ACTION_MAX_LENGTH
        assert set(game.observation_space(agent).spaces) == {"observation", "text"}
    reset_to_deal(game, "KJ")
    assert set(game.observe("player_0")) == {"observation", "text"}
    game.step("I hold the King, so [bet]")
    assert "The opponent bet." in game.observe("player_1")["text"]
    game.step("call")
    assert game.rewards == {"player_0": 2.0, "player_1": -2.0}
    assert all(game.terminations.values())
    assert game.infos["player_1"]["action_valid"] is True
    assert game.infos["player_1"]["feedback_kind"] == "ok"


def test_an_invalid_text_move_is_told_penalised_and_leaves_the_same_agent_to_act():
    game = env(**TEXT, invalid_action_reward=-0.25)
    reset_to_deal(game, "QK")
    game.step("[call]")
    assert game.agent_selection == "player_0"
    assert game.rewards == {"player_0": -0.25, "player_1": 0.0}
    feedback = game.observe("player_0")["text"]
    assert feedback.startswith("Invalid move: [call] is not legal now")
    assert "1 invalid move in a row" in feedback
    info = game.infos["player_0"]
    assert info["action_valid"] is False and info["feedback_kind"] == "illegal_move"
    assert info["invalid_in_a_row"] == 1 and info["legal_actions"] == ["[check]", "[bet]"]
    game.step(3)
    assert game.infos["player_0"]["feedback_kind"] == "not_text"
    game.step("x" * (ACTION_MAX_LENGTH + 1))
    assert game.infos["player_0"]["feedback_kind"] == "forfeit"


def test_too_many_invalid_text_moves_forfeit_the_hand_for_the_chips_put_in():
    game = env(**TEXT, error_allowance=2, invalid_action_reward=-0.5)
    reset_to_deal(game, "KJ")
    game.step("[bet]")
    game.step("hmm")
    game.step("hmm")
    assert all(game.terminations.values())
    assert game.rewards == {"player_0": 1.0, "player_1": -0.5 - 1.0}
    assert game.infos["player_1"]["chips"] == -1  # the penalties are rewards, not chips
    result = game.infos["player_0"]["hand_result"]
    assert result == {"cards": "KJ", "history": "b", "returns": (1, -1), "forfeited_by": 1}
    ending = game.observe("player_1")["text"]
    assert "forfeited the hand. You lose 1 chip." in ending


def test_the_result_of_the_latest_hand_is_in_every_info_once_a_hand_has_ended():
    game = env(num_hands=2)
    reset_to_deal(game, "KQ")
    assert "hand_result" not in game.infos["player_0"]
    game.step(PASS)
    game.step(PASS)
    for agent in game.agents:
        assert game.infos[agent]["hand_result"] == {
            "cards": "KQ",
            "history": "pp",
            "returns": (1, -1),
            "forfeited_by": None,
        }


def test_an_action_outside_the_space_fails_the_bounds_assertion():
    game = env()
    game.reset(seed=0)
    with pytest.raises(AssertionError, match="action space"):
        game.step(2)


def test_the_raw_env_rejects_an_invalid_action_with_a_message():
    game = KuhnPokerAEC()
    game.reset(seed=0)
    with pytest.raises(InvalidArgumentError, match="0 \\(pass"):
        game.step(5)
    with pytest.raises(InvalidArgumentError):
        game.step(None)


def test_the_raw_env_needs_a_reset_before_it_is_observed():
    with pytest.raises(ResetNeeded):
        KuhnPokerAEC().observe("player_0")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_hands": 0},
        {"num_hands": True},
        {"num_hands": 1.5},
        {"text_observations": "yes"},
        {"text_actions": 1},
        {"text_actions": True},
        {**TEXT, "error_allowance": 0},
        {**TEXT, "invalid_action_reward": "-1"},
    ],
    ids=str,
)
def test_bad_kwargs_raise_with_what_to_pass(kwargs):
    with pytest.raises(InvalidArgumentError):
        env(**kwargs)


def test_unknown_render_mode_raises():
    with pytest.raises(InvalidArgumentError, match="'ansi' or 'human'"):
        env(render_mode="rgb_array")


def test_ansi_render_returns_the_table_and_human_prints_it(capsys):
    game = env(render_mode="ansi")
    reset_to_deal(game, "KJ")
    table = game.render()
    assert "player_0: K" in table
    assert "player_1: J" in table
    assert "to act: player_0" in table
    game = env(render_mode="human")
    game.reset(seed=0)
    game.step(BET)
    assert "to act: player_1" in capsys.readouterr().out


def test_the_poker_package_does_not_import_pettingzoo():
    code = "import sys, cogym.envs.poker; assert 'pettingzoo' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
