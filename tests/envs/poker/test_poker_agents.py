import math

import numpy as np
import pytest

import cogym
from cogym.agents import make_agent
from cogym.agents.rollout import run_episodes
from cogym.core.errors import InvalidArgumentError, UnknownAgentError
from cogym.envs.poker.agents import BestResponseAgent, CFRAgent, NashAgent
from cogym.envs.poker.game import KuhnPoker
from cogym.envs.poker.nash import nash_policy
from cogym.envs.poker.opponents import make_opponent, opponent_policy
from cogym.games import expected_returns, exploitability


def _mean_and_stderr(env_kwargs, agent_name, hands, **agent_options):
    def make_env():
        return cogym.make("cogym/KuhnPoker-v0", **env_kwargs)

    agent = make_agent(agent_name, make_env(), seed=0, **agent_options)
    records = run_episodes(make_env, agent, seeds=range(hands), batch_size=256)
    chips = np.array([sum(step.reward for step in record.steps) for record in records])
    return chips.mean(), chips.std(ddof=1) / math.sqrt(hands)


def _exact_value(agent_policy, opponent_name):
    """The agent's exact expected chips per hand, seats alternating."""
    game = KuhnPoker()
    opponent = opponent_policy(make_opponent(opponent_name, 1 / 6))
    as_first = expected_returns(game, [agent_policy, opponent])[0]
    as_second = expected_returns(game, [opponent, agent_policy])[1]
    return float(as_first + as_second) / 2


@pytest.mark.parametrize("opponent", ["always_bet", "always_check", "random", "nash"])
@pytest.mark.parametrize("agent_name", ["nash", "best-response"])
def test_env_chips_match_the_exact_expected_value(agent_name, opponent):
    mean, stderr = _mean_and_stderr({"opponent": opponent}, agent_name, hands=6000)
    env = cogym.make("cogym/KuhnPoker-v0", opponent=opponent)
    policy = make_agent(agent_name, env).policy
    exact = _exact_value(policy, opponent)
    assert abs(mean - exact) < 4 * stderr + 1e-9, (mean, exact, stderr)


def test_best_response_beats_nash_against_an_exploitable_opponent():
    env = cogym.make("cogym/KuhnPoker-v0", opponent="always_bet")
    best = _exact_value(make_agent("best-response", env).policy, "always_bet")
    nash = _exact_value(nash_policy(1 / 6), "always_bet")
    assert best > nash + 0.1


def test_cfr_agent_plays_a_near_equilibrium_policy():
    agent = CFRAgent(iterations=300)
    assert exploitability(KuhnPoker(), agent.policy) < 1e-3


def test_agents_answer_text_moves_in_text_mode_and_indices_in_vector_mode():
    agent = NashAgent(alpha=0, seed=0)
    assert agent.act("text", {"info_state": "J:b"}) == "[fold]"
    assert agent.act("text", {"info_state": "Q:"}) == "[check]"
    assert agent.act(np.zeros(11, np.float32), {"info_state": "K:b"}) == 1
    assert agent.act(np.zeros(11, np.float32), {"info_state": "J:b"}) == 0


def test_policy_agents_need_the_info_state():
    with pytest.raises(InvalidArgumentError, match=r"info\['info_state'\]"):
        NashAgent().act("text", {})


def test_best_response_agent_knows_its_exact_value_from_both_seats():
    agent = BestResponseAgent(opponent_policy(make_opponent("always_check", 0)))
    assert agent.values == pytest.approx((1, 1))


def test_best_response_needs_an_opponent_with_a_known_policy():
    env = cogym.make("cogym/KuhnPoker-v0", opponent=lambda key: 1)
    with pytest.raises(UnknownAgentError, match="known policy"):
        make_agent("best-response", env)


def test_poker_agents_play_only_kuhn_poker():
    with pytest.raises(UnknownAgentError, match="cannot play"):
        make_agent("nash", cogym.make("cogym/Countdown-v0"))


def test_an_agent_can_sit_in_the_opponent_seat():
    env = cogym.make("cogym/KuhnPoker-v0", opponent=CFRAgent(iterations=100, seed=1), seat=0)
    _, info = env.reset(seed=0, options={"cards": "JK"})
    _, reward, terminated, _, info = env.step("[bet]")
    assert terminated and reward == -2  # the CFR policy always calls with a K
