import json
import time

import pytest

from cogym.core.episode import EpisodeRecord, StepRecord
from cogym.core.errors import InvalidArgumentError
from cogym.envs.countdown import CountdownEnv
from cogym.wrappers import ChatHistory, RecordEpisodes

PUZZLE = {"numbers": [3, 7, 8, 25], "target": 24}


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def path(tmp_path):
    return tmp_path / "episodes.jsonl"


def test_writes_one_line_per_finished_episode_with_seed_actions_and_rewards(make_env, path):
    env = RecordEpisodes(make_env("cogym/Countdown-v0"), path, agent="scripted")
    env.reset(seed=7, options=PUZZLE)
    env.step("<answer>3+7</answer>")
    env.step("<answer>3*3</answer>")
    env.step("<answer>8*3</answer>")
    assert env.episodes_written == 1 and len(read_lines(path)) == 1
    env.reset(options=PUZZLE)
    for _ in range(4):
        env.step("<answer>3+7</answer>")
    first, second = read_lines(path)
    assert env.episodes_written == 2
    assert first["env_id"] == "cogym/Countdown-v0" and first["agent"] == "scripted"
    assert first["seed"] == 7 and second["seed"] is None
    assert first["reset_info"]["task"] == PUZZLE and "make 24" in first["reset_observation"]
    assert [step["action"] for step in first["steps"]] == [
        "<answer>3+7</answer>",
        "<answer>3*3</answer>",
        "<answer>8*3</answer>",
    ]
    assert [step["reward"] for step in first["steps"]] == [0.0, -0.1, 1.0]
    assert first["steps"][-1]["terminated"] and first["success"] and first["num_turns"] == 3
    assert first["steps"][0]["observation"].startswith("Your expression 3+7 equals 10")
    assert second["steps"][-1]["truncated"] and not second["success"] and second["num_turns"] == 4


def test_records_step_and_episode_wall_times(make_env, path):
    env = RecordEpisodes(make_env("cogym/Countdown-v0"), path)
    env.reset(options=PUZZLE)
    time.sleep(1.0)  # the agent thinking counts for the episode, not for the step
    env.step("<answer>3+7</answer>")
    env.step("<answer>8*3</answer>")
    (record,) = read_lines(path)
    step_times = [step["duration_s"] for step in record["steps"]]
    assert all(0.0 < seconds < 1.0 for seconds in step_times)  # a step takes ~0.1 ms
    assert record["duration_s"] >= 1.0 + sum(step_times)


def test_abandoned_episode_writes_nothing(make_env, path):
    env = RecordEpisodes(make_env("cogym/Countdown-v0"), path)
    env.reset(seed=1, options=PUZZLE)
    env.step("<answer>3+7</answer>")
    env.reset(seed=2, options=PUZZLE)
    env.step("<answer>8*3</answer>")
    env.reset(seed=3, options=PUZZLE)
    env.step("<answer>3+7</answer>")
    env.close()
    records = read_lines(path)
    assert env.episodes_written == 1 and [record["seed"] for record in records] == [2]


def test_lines_parse_as_json_episode_records(make_env, path):
    env = RecordEpisodes(make_env("cogym/Countdown-v0"), path)
    for seed in range(3):
        env.reset(seed=seed)
        done = False
        while not done:
            *_, terminated, truncated, _ = env.step("<answer>1+1</answer>")
            done = terminated or truncated
    env.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    for line in lines:
        data = json.loads(line)
        summary = {key: data.pop(key) for key in ("total_reward", "num_turns", "success")}
        steps = [StepRecord(**step) for step in data.pop("steps")]
        record = EpisodeRecord(**data, steps=steps)
        assert summary == {
            "total_reward": record.total_reward,
            "num_turns": record.num_turns,
            "success": record.success,
        }


def test_appends_to_an_existing_file(make_env, path):
    path.write_text('{"earlier": true}\n', encoding="utf-8")
    env = RecordEpisodes(make_env("cogym/Countdown-v0"), path, env_id="my-countdown")
    env.reset(options=PUZZLE)
    env.step("<answer>8*3</answer>")
    earlier, record = read_lines(path)
    assert earlier == {"earlier": True} and record["env_id"] == "my-countdown"


class ClosableCountdown(CountdownEnv):
    """Countdown that remembers being closed."""

    closed = False

    def close(self) -> None:
        self.closed = True


def test_close_closes_the_file_and_the_env(path):
    countdown = ClosableCountdown()
    env = RecordEpisodes(countdown, path)
    env.reset(options=PUZZLE)
    env.close()
    assert countdown.closed
    with pytest.raises(ValueError, match="closed file"):
        env.step("<answer>8*3</answer>")
    env.close()


@pytest.mark.parametrize(
    "stack",
    [
        lambda env, path: RecordEpisodes(ChatHistory(env), path),
        lambda env, path: ChatHistory(RecordEpisodes(env, path)),
    ],
    ids=["record-history", "history-record"],
)
def test_wrappers_stack_and_run_a_whole_episode(make_env, path, stack):
    env = stack(make_env("cogym/Countdown-v0"), path)
    history, _ = env.reset(seed=0, options=PUZZLE)
    assert len(history) == 1
    replies = iter(["Try 3+7.\n<answer>3+7</answer>", "Then \\boxed{8*3}"])
    done = False
    while not done:
        history, reward, terminated, truncated, info = env.step(next(replies))
        done = terminated or truncated
    assert terminated and reward == 1.0 and info["expression"] == "8*3"
    assert [message["role"] for message in history] == ["user"] + ["assistant", "user"] * 2
    assert history[-1]["content"] == "Correct! 8*3 = 24."
    (record,) = read_lines(path)
    assert record["seed"] == 0 and record["num_turns"] == 2 and record["success"]
    assert record["steps"][1]["action"] == "Then \\boxed{8*3}"
    env.close()


def test_function_sink_gets_each_finished_episode_and_no_file_is_written(make_env, tmp_path):
    records = []
    env = RecordEpisodes(make_env("cogym/Countdown-v0"), records.append, agent="scripted")
    env.reset(seed=3, options=PUZZLE)
    env.step("<answer>3+7</answer>")
    assert records == [] and env.episodes_written == 0
    env.step("<answer>8*3</answer>")
    (record,) = records
    assert isinstance(record, EpisodeRecord) and env.episodes_written == 1
    assert record.seed == 3 and record.agent == "scripted" and record.success
    assert [step.action for step in record.steps] == [
        "<answer>3+7</answer>",
        "<answer>8*3</answer>",
    ]
    assert record.steps[-1].terminated and record.num_turns == 2
    assert env.path is None and list(tmp_path.iterdir()) == []
    env.close()


def test_sink_must_be_a_path_or_a_function(make_env):
    with pytest.raises(InvalidArgumentError, match="sink must be a path"):
        RecordEpisodes(make_env("cogym/Countdown-v0"), 42)
