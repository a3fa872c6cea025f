import math
from fractions import Fraction

import numpy as np
import pytest

from cogym.agents.poker import NashAgent
from cogym.agents.selfplay import play_self_play, role_advantages, role_baselines
from cogym.core.agent import Agent
from cogym.core.errors import InvalidArgumentError
from cogym.envs.poker.text import RULES


def test_one_policy_plays_both_seats_and_each_seat_gets_its_trajectory():
    games = play_self_play(NashAgent(seed=0), 50, seed=0, batch_size=8)
    assert len(games) == 50 and [game.seed for game in games] == list(range(50))
    for game in games:
        first, second = game.trajectories
        assert (first.role, second.role) == (0, 1)
        assert first.observations[0].startswith(RULES) and second.observations[0].startswith(RULES)
        assert "You are player 0" in first.observations[0]
        assert "You are player 1" in second.observations[0]
        assert len(first.actions) + len(second.actions) == len(game.history)
        assert game.chips[0] + game.chips[1] == 0
        assert game.returns == (float(game.chips[0]), float(game.chips[1]))
        assert first.final_observation and second.final_observation


def test_self_play_is_reproducible_game_by_game():
    batch = play_self_play(NashAgent(seed=3), 20, seed=100)
    again = play_self_play(NashAgent(seed=3), 20, seed=100)
    assert [(g.cards, g.history) for g in batch] == [(g.cards, g.history) for g in again]
    alone = play_self_play(NashAgent(seed=3), 1, seed=105)[0]
    assert alone.cards == batch[5].cards


def test_nash_self_play_gives_the_first_seat_the_game_value():
    hands = 12000
    games = play_self_play(NashAgent(alpha=Fraction(1, 6), seed=0), hands, batch_size=512)
    chips = np.array([game.chips[0] for game in games], dtype=float)
    stderr = chips.std(ddof=1) / math.sqrt(hands)
    assert abs(chips.mean() - (-1 / 18)) < 4 * stderr


def test_role_conditioned_advantages_average_zero_per_role():
    games = play_self_play(NashAgent(seed=1), 200)
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
    game = play_self_play(Babbler(), 1, error_allowance=2, invalid_action_reward=-0.5)[0]
    first, second = game.trajectories
    assert game.forfeited_by == 0 and game.chips == (-1, 1) and game.history == ""
    assert first.rewards == [-0.5, -0.5 - 1]
    assert first.observations[1].startswith("Invalid move: no move found.")
    assert second.actions == [] and second.episode_return == 1.0
    assert "forfeited the hand" in second.final_observation


def test_bad_arguments_raise():
    with pytest.raises(InvalidArgumentError):
        play_self_play(NashAgent(), 2, batch_size=0)
    with pytest.raises(InvalidArgumentError, match="at least one game"):
        role_baselines([])


def test_an_llm_agent_generates_for_every_seat_to_move_in_one_call(tiny_backend):
    from cogym.agents.backends.base import SamplingParams
    from cogym.agents.llm_agent import LLMAgent

    agent = LLMAgent(tiny_backend, sampling=SamplingParams(max_new_tokens=8, temperature=0.0))
    games = play_self_play(agent, 4, batch_size=4, error_allowance=2)
    assert len(games) == 4
    moves = sum(len(t.actions) for game in games for t in game.trajectories)
    # every round asks all seats that are to move at once
    longest = max(len(t.actions) for game in games for t in game.trajectories) * 2
    assert agent.stats.calls <= longest < moves
