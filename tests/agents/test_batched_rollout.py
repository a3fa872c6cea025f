import json

import pytest

import cogym
from cogym.agents.rollout import run_episode, run_episodes
from cogym.core.errors import InvalidArgumentError
from cogym.envs.countdown import CountdownEnv, RandomExpressionAgent, SolverAgent
from cogym.wrappers import RecordEpisodes


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


def _without_durations(record: dict) -> dict:
    steps = [{k: v for k, v in step.items() if k != "duration_s"} for step in record["steps"]]
    return {**{k: v for k, v in record.items() if k != "duration_s"}, "steps": steps}


def test_rollout_records_are_the_lines_record_episodes_writes(tmp_path):
    path = tmp_path / "episodes.jsonl"
    seeds = list(range(7))
    records = run_episodes(
        lambda: RecordEpisodes(_easy(), path, agent="solver"),
        SolverAgent(),
        seeds,
        batch_size=3,
        agent_name="solver",
    )
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    lines.sort(key=lambda line: line["seed"])
    assert [line["seed"] for line in lines] == seeds
    assert [_without_durations(line) for line in lines] == [
        _without_durations(record.to_dict()) for record in records
    ]


def test_single_rollout_record_is_the_line_record_episodes_writes(tmp_path):
    path = tmp_path / "episodes.jsonl"
    env = RecordEpisodes(_easy(), path, agent="solver")
    record = run_episode(env, SolverAgent(), seed=3, agent_name="solver")
    env.close()
    (line,) = path.read_text(encoding="utf-8").splitlines()
    assert _without_durations(json.loads(line)) == _without_durations(record.to_dict())


class ClosableCountdown(CountdownEnv):
    """Countdown that remembers being closed."""

    closed = False

    def close(self) -> None:
        self.closed = True


def test_batched_rollout_closes_its_envs_and_run_episode_leaves_the_env_open():
    made = []

    def make_env():
        made.append(ClosableCountdown())
        return made[-1]

    run_episodes(make_env, SolverAgent(), list(range(5)), batch_size=3)
    assert len(made) == 3 and all(env.closed for env in made)
    env = ClosableCountdown()
    run_episode(env, SolverAgent(), seed=0)
    assert not env.closed
