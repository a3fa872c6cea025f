"""Self-play of Kuhn poker through its PettingZoo AEC env, text in and text out."""

import functools
import math
from fractions import Fraction

import numpy as np
import pytest

from cogym.core.agent import Agent
from cogym.core.errors import InvalidArgumentError
from cogym.envs.poker.aec import env as kuhn_aec
from cogym.envs.poker.agents import NashAgent
from cogym.envs.poker.text import RULES
from cogym.games import play_self_play, role_advantages, role_baselines

KUHN = functools.partial(kuhn_aec, text_observations=True, text_actions=True)


def hand_of(game):
    """The hand's result as the env reports it: cards, history, chips, forfeited_by."""
    return game.trajectories[0].final_info["hand_result"]


def chips_of(game):
    return tuple(trajectory.final_info["chips"] for trajectory in game.trajectories)


def test_one_policy_plays_both_seats_and_each_seat_gets_its_trajectory():
    games = play_self_play(KUHN, NashAgent(seed=0), 50, seed=0, batch_size=8)
    assert len(games) == 50 and [game.seed for game in games] == list(range(50))
    for game in games:
        first, second = game.trajectories
        assert (first.role, second.role) == (0, 1)
        assert (first.agent, second.agent) == ("player_0", "player_1")
        assert first.observations[0].startswith(RULES) and second.observations[0].startswith(RULES)
        assert "You are player 0" in first.observations[0]
        assert "You are player 1" in second.observations[0]
        assert len(first.actions) + len(second.actions) == len(hand_of(game)["history"])
        chips = chips_of(game)
        assert chips[0] + chips[1] == 0 and hand_of(game)["returns"] == chips
        assert game.returns == (float(chips[0]), float(chips[1]))
        assert sum(first.rewards) == first.episode_return
        assert sum(second.rewards) == second.episode_return
        assert first.final_observation and second.final_observation


def test_self_play_is_reproducible_game_by_game():
    def deals(games):
        return [(hand_of(g)["cards"], hand_of(g)["history"]) for g in games]

    batch = play_self_play(KUHN, NashAgent(seed=3), 20, seed=100)
    again = play_self_play(KUHN, NashAgent(seed=3), 20, seed=100)
    assert deals(batch) == deals(again)
    alone = play_self_play(KUHN, NashAgent(seed=3), 1, seed=105)[0]
    assert hand_of(alone)["cards"] == hand_of(batch[5])["cards"]


def test_nash_self_play_gives_the_first_seat_the_game_value():
    hands = 12000
    agent = NashAgent(alpha=Fraction(1, 6), seed=0)
    games = play_self_play(KUHN, agent, hands, batch_size=512)
    chips = np.array([chips_of(game)[0] for game in games], dtype=float)
    stderr = chips.std(ddof=1) / math.sqrt(hands)
    assert abs(chips.mean() - (-1 / 18)) < 4 * stderr


def test_role_conditioned_advantages_average_zero_per_role():
    games = play_self_play(KUHN, NashAgent(seed=1), 200)
    baselines = role_baselines(games)
    advantages = np.array(role_advantages(games))
    assert np.allclose(advantages.mean(axis=0), 0.0)
    assert baselines == pytest.approx(tuple(np.mean([g.returns for g in games], axis=0)))
    fixed = role_advantages(games, baselines=(0.0, 0.0))
    assert fixed[0] == games[0].returns


class Babbler(Agent):
    def act(self, observation, info):
        return "I am not sure what to do."


def test_invalid_moves_are_penalised_and_forfeit_the_hand():
    strict = functools.partial(KUHN, error_allowance=2, invalid_action_reward=-0.5)
    game = play_self_play(strict, Babbler(), 1)[0]
    first, second = game.trajectories
    assert hand_of(game)["forfeited_by"] == 0 and hand_of(game)["history"] == ""
    assert chips_of(game) == (-1, 1)
    assert first.rewards == [-0.5, -0.5 - 1]
    assert first.observations[1].startswith("Invalid move: no move found.")
    assert second.actions == [] and second.episode_return == 1.0
    assert "forfeited the hand" in second.final_observation


class Recorder(NashAgent):
    """A Nash agent that records every act_batch call."""

    def __init__(self, seed):
        super().__init__(seed=seed)
        self.calls = []
        self.resets = []

    def reset_slot(self, slot):
        self.resets.append(slot)
        super().reset_slot(slot)

    def act_batch(self, observations, infos, slots):
        self.calls.append((list(slots), [dict(info) for info in infos]))
        return super().act_batch(observations, infos, slots)


def test_every_seat_to_move_across_the_batch_is_asked_in_one_call_in_its_own_slot():
    agent = Recorder(seed=0)
    play_self_play(KUHN, agent, 12, batch_size=8)
    assert agent.resets == list(range(16)) + list(range(8))
    first_slots, first_infos = agent.calls[0]
    assert first_slots == [0, 2, 4, 6, 8, 10, 12, 14]  # every game's player_0 opens
    assert all(info["seat"] == 0 and info["turn"] == 0 for info in first_infos)
    assert all(info["legal_actions"] == ["[check]", "[bet]"] for info in first_infos)
    # a Kuhn hand has at most three decisions, so each batch takes at most three calls
    assert len(agent.calls) <= 6
    for slots, infos in agent.calls:
        assert len(set(slots)) == len(slots)
        assert all(info["seat"] == slot % 2 for slot, info in zip(slots, infos, strict=True))


def test_the_whole_observation_goes_to_the_agent_with_observation_key_none():
    seen = []

    class Looker(Agent):
        def act(self, observation, info):
            seen.append(observation)
            return 1

    game = play_self_play(kuhn_aec, Looker(), 1, observation_key=None)[0]
    assert set(seen[0]) == {"observation", "action_mask"}
    assert hand_of(game)["history"] == "bb"


def test_bad_arguments_raise():
    with pytest.raises(InvalidArgumentError):
        play_self_play(KUHN, NashAgent(), 2, batch_size=0)
    with pytest.raises(InvalidArgumentError, match="make_env"):
        play_self_play(kuhn_aec(), NashAgent(), 2)
    with pytest.raises(InvalidArgumentError, match="reset_slot"):
        play_self_play(KUHN, lambda observation: "[bet]", 2)
    with pytest.raises(InvalidArgumentError, match="observation_key=None"):
        play_self_play(kuhn_aec, NashAgent(), 1)  # no "text" entry without text observations
    with pytest.raises(InvalidArgumentError, match="at least one game"):
        role_baselines([])


def test_an_llm_agent_generates_for_every_seat_to_move_in_one_call(tiny_backend):
    from cogym.agents.backends.base import SamplingParams
    from cogym.agents.llm_agent import LLMAgent

    agent = LLMAgent(tiny_backend, sampling=SamplingParams(max_new_tokens=8, temperature=0.0))
    lenient = functools.partial(KUHN, error_allowance=2)
    games = play_self_play(lenient, agent, 4, batch_size=4)
    assert len(games) == 4
    moves = sum(len(t.actions) for game in games for t in game.trajectories)
    # every round asks all seats that are to move at once
    longest = max(len(t.actions) for game in games for t in game.trajectories) * 2
    assert agent.stats.calls <= longest < moves
