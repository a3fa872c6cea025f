import json

import pytest

import cogym
from cogym.core.errors import InvalidArgumentError, InvalidTaskError
from cogym.envs.math import MathEnv
from tests.marks import needs_sandbox

IDS = ["cogym/Math-v0", "cogym/Math-Retry-v0", "cogym/Math-Python-v0"]
HALF = {"question": "What is 1/2 + 1/4?", "answer": "\\frac{3}{4}"}


@pytest.mark.parametrize("env_id", IDS)
def test_same_seed_gives_the_same_episode_byte_for_byte(env_id):
    def play(seed):
        env = cogym.make(env_id)
        transcript = [env.reset(seed=seed)]
        for action in ("\\boxed{1}", "no answer here", "\\boxed{2}"):
            transcript.append(env.step(action))
            if transcript[-1][2] or transcript[-1][3]:
                break
        env.close()
        return json.dumps(transcript, sort_keys=True, default=str)

    assert play(5) == play(5)
    assert play(5) != play(6)


def test_generated_problems_vary_by_seed_and_ask_for_boxed():
    env = cogym.make("cogym/Math-v0")
    observations = [env.reset(seed=seed)[0] for seed in range(60)]
    assert len(set(observations)) >= 55
    assert all("\\boxed{}" in observation for observation in observations)
    families = {env.reset(seed=seed)[1]["family"] for seed in range(60)}
    assert len(families) >= 6


def test_the_gold_answer_of_every_generated_problem_is_graded_correct():
    env = cogym.make("cogym/Math-v0")
    for seed in range(60):
        env.reset(seed=seed)
        gold = env.unwrapped.task["answer"]
        observation, reward, terminated, truncated, info = env.step(f"So \\boxed{{{gold}}}")
        assert (reward, terminated, info["success"]) == (1.0, True, True), (seed, gold, observation)


def test_correct_answer_in_another_form_is_accepted():
    env = cogym.make("cogym/Math-v0")
    env.reset(options={"task": HALF})
    observation, reward, terminated, truncated, info = env.step("It is \\boxed{0.75}.")
    assert (observation, reward, terminated, info["feedback_kind"]) == (
        "Correct.",
        1.0,
        True,
        "correct",
    )


def test_wrong_answer_in_single_mode_ends_the_episode_without_the_gold():
    env = cogym.make("cogym/Math-v0")
    env.reset(options={"task": HALF})
    observation, reward, terminated, truncated, info = env.step("\\boxed{1/2}")
    assert (reward, terminated, info["success"], info["attempts"]) == (0.0, True, False, 1)
    assert "3" not in observation and "Incorrect" in observation


def test_missing_answer_is_a_format_error_with_the_penalty():
    env = cogym.make("cogym/Math-Retry-v0", invalid_action_reward=-0.2)
    env.reset(options={"task": HALF})
    observation, reward, terminated, truncated, info = env.step("I think it is three quarters")
    assert reward == -0.2 and not info["action_valid"] and info["feedback_kind"] == "no_answer"
    assert info["attempts"] == 0 and not terminated


def test_retry_says_only_incorrect_and_discounts_later_successes():
    env = cogym.make("cogym/Math-Retry-v0", attempt_discount=0.5)
    observation, _ = env.reset(options={"task": HALF})
    assert "3 attempts" in observation
    observation, reward, terminated, *_ = env.step("\\boxed{1}")
    assert observation == "Incorrect. Try again (2 attempts left)." and not terminated
    observation, reward, terminated, truncated, info = env.step("\\boxed{3/4}")
    assert (reward, terminated, info["attempts"]) == (0.5, True, 2)


def test_retry_ends_terminated_after_the_last_wrong_attempt():
    env = cogym.make("cogym/Math-Retry-v0")
    env.reset(options={"task": HALF})
    results = [env.step(f"\\boxed{{{n}}}") for n in (1, 2, 3)]
    assert [r[2] for r in results] == [False, False, True] and not results[-1][3]
    assert results[-1][0] == "Incorrect. No attempts left."


def test_pathological_answers_are_graded_within_the_limit():
    env = cogym.make("cogym/Math-Retry-v0", max_attempts=5, grade_timeout_s=1.0)
    env.reset(options={"task": HALF})
    for answer in ("\\frac{" * 5000, "1" * 1_000_000, "9^{9^{9^{9^{9}}}}", "(" * 3000):
        _, reward, terminated, truncated, info = env.step(f"\\boxed{{{answer}}}")
        assert info["feedback_kind"] in ("timeout", "unparsable", "wrong_answer", "action_too_long")
        assert reward <= 0 and not truncated
    # Every answer got a verdict (none hung) and the episode goes on to a right answer.
    assert not terminated and env.step("\\boxed{3/4}")[4]["success"]
    env.close()


@needs_sandbox
def test_python_tool_runs_code_keeps_state_and_then_grades_the_answer():
    env = cogym.make("cogym/Math-Python-v0")
    observation, _ = env.reset(options={"task": HALF})
    assert "<python>CODE</python>" in observation and "4 tool calls" in observation
    observation, reward, terminated, truncated, info = env.step(
        "Let me compute.\n<python>\nfrom fractions import Fraction\n"
        "x = Fraction(1, 2) + Fraction(1, 4)\nprint(x)\n</python>"
    )
    assert "3/4" in observation and "[3 tool calls left]" in observation
    assert (reward, info["feedback_kind"], info["tool_calls"]) == (0.0, "tool_ok", 1)
    observation, *_ = env.step("<python>print(x * 4)</python>")
    assert "3" in observation
    observation, reward, terminated, truncated, info = env.step("So the answer is \\boxed{3/4}.")
    assert (reward, terminated, info["success"]) == (1.0, True, True)
    env.close()


@needs_sandbox
def test_tool_budget_is_enforced():
    env = cogym.make("cogym/Math-Python-v0", max_tool_calls=1, max_turns=4)
    env.reset(options={"task": HALF})
    assert env.step("<python>print(1)</python>")[4]["feedback_kind"] == "tool_ok"
    observation, reward, *_, info = env.step("<python>print(2)</python>")
    assert info["feedback_kind"] == "tool_budget_exhausted" and reward == -0.1
    env.close()


@needs_sandbox
def test_tool_errors_and_timeouts_come_back_as_observations():
    env = cogym.make("cogym/Math-Python-v0", tool_timeout_s=1.0)
    env.reset(options={"task": HALF})
    observation, *_, info = env.step("<python>1/0</python>")
    assert "ZeroDivisionError" in observation and info["feedback_kind"] == "tool_error"
    observation, *_, info = env.step("<python>while True: pass</python>")
    assert info["feedback_kind"] == "tool_timeout"
    assert env.step("\\boxed{3/4}")[4]["success"]
    env.close()


@needs_sandbox
def test_a_boxed_string_inside_the_code_does_not_make_it_an_answer():
    env = cogym.make("cogym/Math-Python-v0")
    env.reset(options={"task": HALF})
    observation, *_, info = env.step(r"<python>print('\\boxed{3/4}')</python>")
    assert info["feedback_kind"] == "tool_ok" and "\\boxed{3/4}" in observation
    env.close()


def test_a_boxed_answer_after_python_is_graded_not_run():
    env = cogym.make("cogym/Math-Python-v0")
    env.reset(options={"task": HALF})
    info = env.step("<python>print(1)</python> so \\boxed{3/4}")[4]
    assert info["feedback_kind"] == "correct"


def test_tasks_path_reads_gsm8k_and_math_files(tmp_path):
    gsm8k = tmp_path / "gsm8k.jsonl"
    gsm8k.write_text(
        json.dumps({"question": "Tom has 1,200 apples...", "answer": "Work.\n#### 1,200"}) + "\n"
    )
    env = cogym.make("cogym/Math-v0", tasks_path=str(gsm8k))
    env.reset(options={"index": 0})
    assert env.unwrapped.task["answer"] == "1200"
    assert env.step("\\boxed{1200}")[4]["success"]
    math_file = tmp_path / "math.jsonl"
    math_file.write_text(
        json.dumps({"problem": "Simplify.", "solution": "so $\\boxed{\\frac{1}{2}}$."}) + "\n"
    )
    env = cogym.make(
        "cogym/Math-v0", tasks_path=str(math_file), question_key="problem", answer_key="solution"
    )
    env.reset(options={"index": 0})
    assert env.unwrapped.task["answer"] == "\\frac{1}{2}"
    assert env.step("\\boxed{0.5}")[4]["success"]


def test_a_missing_field_names_the_mapping(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"problem": "x"}) + "\n")
    with pytest.raises(InvalidTaskError, match=r"bad.jsonl:1: no field.*question_key"):
        cogym.make("cogym/Math-v0", tasks_path=str(path))


@pytest.mark.parametrize(
    "kwargs",
    [{"mode": "oral"}, {"max_attempts": 0}, {"attempt_discount": 0}, {"max_tool_calls": -1}],
)
def test_bad_kwargs_raise_clear_errors(kwargs):
    with pytest.raises(InvalidArgumentError):
        MathEnv(**kwargs)
