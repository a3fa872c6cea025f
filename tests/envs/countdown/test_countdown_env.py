import json

import gymnasium as gym
import pytest

import cogym
from cogym.core.errors import InvalidArgumentError, InvalidTaskError, ResetNeeded
from cogym.envs.countdown import CountdownEnv, solve, verify

IDS = ["cogym/Countdown-v0", "cogym/Countdown-Easy-v0", "cogym/Countdown-Hard-v0"]
PUZZLE = {"numbers": [3, 7, 8, 25], "target": 24}


@pytest.mark.parametrize("env_id", IDS)
def test_same_seed_gives_the_same_episode_byte_for_byte(env_id, make_env):
    def play(seed):
        env = make_env(env_id)
        transcript = [env.reset(seed=seed)]
        for action in ("<answer>1+2</answer>", "garbage", "(3)*4"):
            transcript.append(env.step(action))
        return json.dumps(transcript, sort_keys=True, default=str)

    assert play(123) == play(123)
    assert play(123) != play(124)


@pytest.mark.parametrize("env_id", IDS)
def test_different_seeds_give_varied_puzzles(env_id, make_env):
    env = make_env(env_id)
    puzzles = {json.dumps(env.reset(seed=seed)[1]["task"]) for seed in range(100)}
    assert len(puzzles) >= 90


def test_reset_without_seed_continues_the_seeded_sequence(make_env):
    a, b = make_env("cogym/Countdown-v0"), make_env("cogym/Countdown-v0")
    a.reset(seed=5)
    b.reset(seed=5)
    assert a.reset()[0] == b.reset()[0]


def test_first_observation_is_self_contained(make_env):
    observation, info = make_env("cogym/Countdown-v0").reset(options={"task": PUZZLE})
    assert "[3, 7, 8, 25]" in observation and "make 24" in observation
    assert "<answer>" in observation and "+ - * /" in observation and "4 turns" in observation
    assert info == {"turn": 0, "task": PUZZLE, "task_index": None}


def test_correct_answer_terminates_with_reward_one(make_env):
    env = make_env("cogym/Countdown-v0")
    env.reset(options=PUZZLE)
    observation, reward, terminated, truncated, info = env.step(
        "<answer>(7 - 25 / 25) * 8</answer>"
    )
    assert "25" in observation  # 25 is used twice
    assert reward == -0.1 and not terminated and info["feedback_kind"] == "reused_number"
    observation, reward, terminated, truncated, info = env.step(
        "I think: (25 - 7) + 8 - 3 + ... no\n<answer>3 * 8</answer>"
    )
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["success"] and info["action_valid"] and info["feedback_kind"] == "correct"
    assert observation.startswith("Correct!")


def test_wrong_answer_reports_the_value_and_turns_left(make_env):
    env = make_env("cogym/Countdown-v0")
    env.reset(options=PUZZLE)
    observation, reward, terminated, truncated, info = env.step("<answer>3 + 7</answer>")
    assert "10" in observation and "3 turns left" in observation
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert (
        info["value"] == "10" and info["feedback_kind"] == "wrong_answer" and info["action_valid"]
    )


def test_out_of_turns_truncates(make_env):
    env = make_env("cogym/Countdown-v0", max_turns=2)
    env.reset(options=PUZZLE)
    assert env.step("3+7")[2:4] == (False, False)
    observation, reward, terminated, truncated, info = env.step("3+8")
    assert (reward, terminated, truncated) == (0.0, False, True)
    assert (info["success"], info["turn"]) == (False, 2)
    assert "No turns left" in observation


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("", "no_answer"),
        ("<answer>2**3</answer>", "illegal_operator"),
        ("<answer>3 + 4 + 5</answer>", "illegal_number"),
        ("<answer>8 / (7 - 7)</answer>", "reused_number"),
        ("<answer>25 / (8 - 8)</answer>", "reused_number"),
        ("<answer>3 + </answer>", "syntax_error"),
        ("<answer>abs(3)</answer>", "syntax_error"),
    ],
)
def test_invalid_actions_get_feedback_and_the_penalty(make_env, action, kind):
    env = make_env("cogym/Countdown-v0", invalid_action_reward=-0.5)
    env.reset(options=PUZZLE)
    observation, reward, terminated, truncated, info = env.step(action)
    assert reward == -0.5 and not terminated and not truncated
    assert info["feedback_kind"] == kind and not info["action_valid"]
    assert env.observation_space.contains(observation) and len(observation) > 10


def test_division_by_zero_is_invalid(make_env):
    env = make_env("cogym/Countdown-v0")
    env.reset(options={"numbers": [3, 4, 4, 5], "target": 24})
    info = env.step("<answer>3 / (4 - 4)</answer>")[4]
    assert info["feedback_kind"] == "division_by_zero" and not info["action_valid"]


def test_use_all_numbers_requires_every_number(make_env):
    env = make_env("cogym/Countdown-v0", use_all_numbers=True)
    observation, _ = env.reset(options=PUZZLE)
    assert "exactly once" in observation
    info = env.step("<answer>3 * 8</answer>")[4]
    assert info["feedback_kind"] == "unused_numbers"


def test_format_reward_is_paid_once_for_tagged_valid_answers(make_env):
    env = make_env("cogym/Countdown-v0", format_reward=0.1)
    env.reset(options=PUZZLE)
    assert env.step("3 + 7")[1] == 0.0  # untagged
    assert env.step("<answer>3 + 7</answer>")[1] == pytest.approx(0.1)
    assert env.step("<answer>3 + 8</answer>")[1] == 0.0
    assert env.step("<answer>3 * 8</answer>")[1] == 1.0


def test_non_text_and_too_long_actions_are_invalid(make_env):
    env = make_env("cogym/Countdown-v0")
    env.reset(options=PUZZLE)
    info = env.step(42)[4]
    assert info["feedback_kind"] == "not_text"
    info = env.step("1" * (CountdownEnv.max_action_length + 1))[4]
    assert info["feedback_kind"] == "action_too_long"


def test_step_before_reset_and_after_the_end_raise():
    env = CountdownEnv()
    with pytest.raises(ResetNeeded, match="reset"):
        env.step("1")
    env.reset(options=PUZZLE)
    env.step("<answer>3*8</answer>")
    with pytest.raises(ResetNeeded, match="episode has ended"):
        env.step("1")


def test_gym_make_wraps_step_before_reset_too(make_env):
    with pytest.raises(gym.error.ResetNeeded):
        make_env("cogym/Countdown-v0").step("1")


def test_options_pin_a_puzzle_by_index_numbers_or_task(make_env):
    env = make_env("cogym/Countdown-v0")
    by_index = env.reset(seed=1, options={"index": 7})[1]["task"]
    assert env.reset(seed=2, options={"index": 7})[1]["task"] == by_index
    assert env.reset(options={"index": 7})[1]["task_index"] == 7
    assert env.reset(options={"numbers": [1, 2], "target": 3})[1]["task"] == {
        "numbers": [1, 2],
        "target": 3,
    }


def test_dataset_seed_changes_the_indexed_sequence(make_env):
    a = make_env("cogym/Countdown-v0").reset(options={"index": 0})[1]["task"]
    b = make_env("cogym/Countdown-v0", dataset_seed=1).reset(options={"index": 0})[1]["task"]
    assert a != b


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"numbers": [1, 2]}, InvalidTaskError),
        ({"numbers": [0, 2], "target": 3}, InvalidTaskError),
        ({"numbers": [1], "target": 1, "index": 0}, InvalidArgumentError),
        ({"bogus": 1}, InvalidArgumentError),
    ],
)
def test_bad_options_raise_clear_errors(make_env, options, error):
    with pytest.raises(error):
        make_env("cogym/Countdown-v0").reset(options=options)


def test_tasks_path_reads_puzzles_from_jsonl(tmp_path, make_env):
    path = tmp_path / "puzzles.jsonl"
    path.write_text(
        json.dumps(PUZZLE) + "\n" + json.dumps({"numbers": [1, 2, 3], "target": 6}) + "\n"
    )
    env = make_env("cogym/Countdown-v0", tasks_path=str(path))
    assert env.reset(options={"index": 1})[1]["task"] == {"numbers": [1, 2, 3], "target": 6}
    seen = {env.reset(seed=seed)[1]["task_index"] for seed in range(20)}
    assert seen == {0, 1}


def test_generator_kwargs_override_the_preset(make_env):
    env = make_env("cogym/Countdown-v0", count=5, max_number=9, min_target=50, max_target=60)
    for seed in range(20):
        task = env.reset(seed=seed)[1]["task"]
        assert len(task["numbers"]) == 5 and max(task["numbers"]) <= 9
        assert 50 <= task["target"] <= 60


@pytest.mark.parametrize(
    "kwargs",
    [
        {"preset": "nightmare"},
        {"max_turns": 0},
        {"count": 0},
        {"min_target": 10, "max_target": 5},
        {"render_mode": "human"},
    ],
)
def test_bad_kwargs_raise_clear_errors(kwargs):
    with pytest.raises(InvalidArgumentError):
        CountdownEnv(**kwargs)


def test_render_ansi_shows_the_last_exchange(make_env):
    env = make_env("cogym/Countdown-v0", render_mode="ansi")
    env.reset(options=PUZZLE)
    env.step("<answer>3 + 7</answer>")
    text = env.render()
    assert "turn 1/4" in text and "3 + 7" in text and "10" in text


@pytest.mark.parametrize(
    ("env_id", "count"),
    [
        ("cogym/Countdown-Easy-v0", 2000),
        ("cogym/Countdown-v0", 2000),
        ("cogym/Countdown-Hard-v0", 200),
    ],
)
def test_solver_agent_solves_every_generated_puzzle(env_id, count):
    from cogym.agents import run_episode
    from cogym.envs.countdown import SolverAgent

    env = cogym.make(env_id)
    agent = SolverAgent()
    records = [run_episode(env, agent, seed=seed) for seed in range(count)]
    assert all(record.success and record.num_turns == 1 for record in records)
    assert {record.total_reward for record in records} == {1.0}


def test_generated_puzzles_are_solvable_with_every_number(make_env):
    env = make_env("cogym/Countdown-v0", use_all_numbers=True)
    for seed in range(200):
        task = env.reset(seed=seed)[1]["task"]
        expression = solve(task["numbers"], task["target"], use_all=True)
        assert expression is not None
        assert verify(expression, task["numbers"], task["target"], use_all=True).correct
