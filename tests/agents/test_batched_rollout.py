import pytest

import cogym
from cogym.agents import RandomExpressionAgent, SolverAgent
from cogym.agents.rollout import run_episode, run_episodes
from cogym.core.errors import InvalidArgumentError


def _easy():
    return cogym.make("cogym/Countdown-Easy-v0")


def test_batched_rollout_returns_records_in_seed_order():
    records = run_episodes(_easy, SolverAgent(), list(range(10, 30)), batch_size=4)
    assert [r.seed for r in records] == list(range(10, 30))
    assert all(r.success for r in records)


def test_batched_rollout_equals_sequential_for_a_stateful_agent():
    seeds = list(range(12))
    batched = run_episodes(_easy, SolverAgent(), seeds, batch_size=5)
    env = _easy()
    sequential = [run_episode(env, SolverAgent(), seed=seed) for seed in seeds]
    assert [r.steps[0].action for r in batched] == [r.steps[0].action for r in sequential]


def test_parallel_random_agents_do_not_repeat_each_other():
    records = run_episodes(_easy, RandomExpressionAgent(seed=0), [0] * 8, batch_size=8)
    assert len({tuple(s.action for s in r.steps) for r in records}) > 1


def test_batched_rollout_reports_each_episode_as_it_ends():
    seen = []
    run_episodes(_easy, SolverAgent(), list(range(6)), batch_size=2, on_episode=seen.append)
    assert sorted(r.seed for r in seen) == list(range(6))


def test_batch_size_must_be_positive():
    with pytest.raises(InvalidArgumentError):
        run_episodes(_easy, SolverAgent(), [0], batch_size=0)
