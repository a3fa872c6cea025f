import json

import pytest

import cogym
from cogym.envs.code import CodeEnv
from cogym.envs.code.generator import FAMILIES
from tests.marks import needs_sandbox

IDS = ["cogym/Code-v0", "cogym/Code-IO-v0"]

ADD = {
    "kind": "function",
    "family": "custom",
    "prompt": "Return the sum of a and b.",
    "entry_point": "add",
    "signature": "def add(a: int, b: int) -> int",
    "examples": [{"input": [1, 2], "output": 3}, {"input": [5, 5], "output": 10}],
    "tests": [{"input": [i, 2 * i], "output": 3 * i} for i in range(-3, 7)],
    "test_code": None,
    "solution": "def add(a, b):\n    return a + b\n",
}
ECHO_SUM = {
    "kind": "io",
    "family": "custom",
    "prompt": "Read two integers on one line and print their sum.",
    "entry_point": None,
    "signature": None,
    "examples": [{"input": "1 2\n", "output": "3\n"}],
    "tests": [{"input": f"{i} {i}\n", "output": f"{2 * i}\n"} for i in range(6)],
    "test_code": None,
    "solution": "a, b = map(int, input().split())\nprint(a + b)\n",
}


@pytest.fixture
def env(request):
    env = cogym.make(getattr(request, "param", "cogym/Code-v0"))
    yield env
    env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_first_observation_is_self_contained(env_id):
    env = cogym.make(env_id)
    observation, info = env.reset(seed=3)
    assert "<run>CODE</run>" in observation and "<submit>CODE</submit>" in observation
    assert "Examples:" in observation and "8 turns" in observation
    if info["kind"] == "function":
        assert f"must define `{info['entry_point']}`" in observation
    env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_different_seeds_give_varied_tasks(env_id):
    env = cogym.make(env_id)
    prompts = {env.reset(seed=seed)[0] for seed in range(40)}
    families = {env.reset(seed=seed)[1]["family"] for seed in range(40)}
    assert len(prompts) >= 38 and len(families) >= 5
    env.close()


@needs_sandbox
@pytest.mark.parametrize("env_id", IDS)
def test_same_seed_gives_the_same_episode_byte_for_byte(env_id):
    def play(seed):
        env = cogym.make(env_id, max_submissions=2)
        observation, info = env.reset(seed=seed)
        solution = env.unwrapped.task["solution"]
        transcript = [observation, info]
        for action in (
            "<run>print(sum(range(10)))</run>",
            "nonsense",
            "<submit>x = 1</submit>",
            f"<submit>{solution}</submit>",
        ):
            transcript.append(env.step(action))
        env.close()
        return json.dumps(transcript, sort_keys=True, default=str)

    assert play(11) == play(11)
    assert play(11) != play(12)


@needs_sandbox
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_is_solved_by_its_reference_solution(family):
    kind = FAMILIES[family].kind
    env = cogym.make(
        "cogym/Code-v0" if kind == "function" else "cogym/Code-IO-v0", families=(family,)
    )
    for seed in range(3):
        env.reset(seed=seed)
        solution = env.unwrapped.task["solution"]
        observation, reward, terminated, truncated, info = env.step(f"<submit>{solution}</submit>")
        assert info["success"] and reward == 1.0 and terminated, observation
        assert info["passed"] == info["total"] >= 5
    env.close()


@needs_sandbox
def test_run_shows_the_programs_output(env):
    env.reset(options={"task": ADD})
    observation, reward, terminated, truncated, info = env.step(
        "Let me check.\n<run>\n```python\nprint('hi', 6 * 7)\n```\n</run>"
    )
    assert "hi 42" in observation and "Exit status: ok" in observation
    assert (reward, terminated, info["feedback_kind"], info["action"]) == (
        0.0,
        False,
        "run_ok",
        "run",
    )


@needs_sandbox
def test_run_errors_and_timeouts_are_reported_and_the_episode_goes_on(env):
    env.reset(options={"task": ADD})
    observation, *_, info = env.step("<run>raise ValueError('boom')</run>")
    assert info["feedback_kind"] == "run_error" and "ValueError: boom" in observation
    env.unwrapped.timeout_s = 1.0
    observation, *_, info = env.step("<run>while True: pass</run>")
    assert info["feedback_kind"] == "run_timeout"
    observation, reward, terminated, truncated, info = env.step(
        f"<submit>{ADD['solution']}</submit>"
    )
    assert info["success"]


@needs_sandbox
def test_partial_solution_scores_the_pass_rate_and_names_failing_examples(env):
    env.reset(options={"task": ADD})
    wrong = "def add(a, b):\n    return a + b if a >= 0 else 0\n"
    observation, reward, terminated, truncated, info = env.step(f"<submit>{wrong}</submit>")
    assert (info["passed"], info["total"]) == (7, 10) and reward == pytest.approx(0.7)
    assert terminated and not info["success"] and info["feedback_kind"] == "tests_failed"
    assert "All visible examples passed." in observation
    assert "-3" not in observation  # hidden inputs are never shown


@needs_sandbox
def test_failing_visible_examples_are_named(env):
    env.reset(options={"task": ADD})
    observation, *_ = env.step("<submit>def add(a, b):\n    return a * b\n</submit>")
    assert "Example 1 failed: input [1, 2], expected 3, got 2." in observation


@needs_sandbox
def test_all_pass_reward_mode():
    env = cogym.make("cogym/Code-v0", reward="all_pass")
    env.reset(options={"task": ADD})
    assert env.step("<submit>def add(a, b):\n    return max(a, 0) + b\n</submit>")[1] == 0.0
    env.close()


@needs_sandbox
def test_resubmission_rewards_improvement_so_the_return_is_the_best_score():
    env = cogym.make("cogym/Code-v0", max_submissions=3)
    env.reset(options={"task": ADD})
    partial = "def add(a, b):\n    return a + b if a >= 0 else 0\n"
    rewards = [
        env.step(f"<submit>{partial}</submit>")[1],
        env.step("<submit>def add(a, b): return 0</submit>")[1],
    ]
    observation, reward, terminated, truncated, info = env.step(
        f"<submit>{ADD['solution']}</submit>"
    )
    assert rewards == [pytest.approx(0.7), 0.0] and reward == pytest.approx(0.3)
    assert terminated and info["success"] and info["submissions"] == 3
    env.close()


@needs_sandbox
def test_printing_fake_results_earns_nothing(env):
    from cogym.envs.code.harness import RESULTS_MARKER

    env.reset(options={"task": ADD})
    fake = json.dumps({"results": [{"value": 3 * i} for i in range(-3, 7)]})
    cheat = f"import os\nprint('{RESULTS_MARKER}' + '{fake}')\nos._exit(0)\n"
    info = env.step(f"<submit>{cheat}</submit>")[4]
    assert info["passed"] == 0 and not info["success"]


@needs_sandbox
def test_io_task_runs_each_test_with_stdin():
    env = cogym.make("cogym/Code-IO-v0")
    env.reset(options={"task": ECHO_SUM})
    observation, reward, terminated, truncated, info = env.step(
        f"<submit>{ECHO_SUM['solution']}</submit>"
    )
    assert info["success"] and (info["passed"], info["total"]) == (6, 6)
    env.reset(options={"task": ECHO_SUM})
    info = env.step("<submit>print(2)</submit>")[4]  # right only for "1 1"
    assert info["passed"] == 1
    env.close()


@needs_sandbox
def test_escape_attempts_in_runs_do_not_hurt_the_env(env, tmp_path):
    env.reset(options={"task": ADD})
    marker = tmp_path / "escaped"
    for code in (
        f"open({str(marker)!r}, 'w').write('x')",
        "import os\nwhile True:\n    os.fork()",
        "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=1)",
    ):
        observation, *_, info = env.step(f"<run>{code}</run>")
        assert info["action_valid"] and info["feedback_kind"] != "run_ok"
    assert not marker.exists()
    assert env.step(f"<submit>{ADD['solution']}</submit>")[4]["success"]


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("def add(a, b): return a + b", "no_action"),
        ("<submit>   </submit>", "empty_code"),
        ("<run></run>", "empty_code"),
    ],
)
def test_invalid_actions_get_feedback_and_the_penalty(env, action, kind):
    env.reset(options={"task": ADD})
    observation, reward, terminated, truncated, info = env.step(action)
    assert reward == -0.1 and not terminated and info["feedback_kind"] == kind
    assert not info["action_valid"]
    assert "<submit>" in observation or "no code" in observation


def test_turn_limit_truncates(env):
    env.reset(options={"task": ADD})
    for _ in range(7):
        assert not env.step("hello")[3]
    assert env.step("hello")[3]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reward": "best"},
        {"max_submissions": 0},
        {"timeout_s": 0},
        {"kind": "sql"},
        {"families": ("no_such_family",)},
    ],
)
def test_bad_kwargs_raise_clear_errors(kwargs):
    from cogym.core.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError):
        CodeEnv(**kwargs)


@needs_sandbox
def test_tasks_path_reads_both_dataset_shapes(tmp_path):
    functions = tmp_path / "humaneval.jsonl"
    functions.write_text(
        json.dumps(
            {
                "task_id": "t/0",
                "prompt": 'def inc(x):\n    """Return x + 1."""\n',
                "entry_point": "inc",
                "canonical_solution": "    return x + 1\n",
                "test": (
                    "def check(candidate):\n"
                    "    assert candidate(1) == 2\n    assert candidate(-1) == 0\n"
                ),
            }
        )
        + "\n"
    )
    env = cogym.make("cogym/Code-v0", tasks_path=str(functions))
    env.reset(options={"index": 0})
    assert env.step("<submit>def inc(x):\n    return x + 1\n</submit>")[4]["success"]
    env.reset(options={"index": 0})
    assert not env.step("<submit>def inc(x):\n    return x\n</submit>")[4]["success"]
    env.close()
    io_file = tmp_path / "apps.jsonl"
    io_file.write_text(
        json.dumps(
            {
                "question": "Print the input doubled.",
                "input_output": json.dumps(
                    {"inputs": ["2\n", "5\n", "7\n"], "outputs": ["4\n", "10\n", "14\n"]}
                ),
            }
        )
        + "\n"
    )
    env = cogym.make("cogym/Code-IO-v0", tasks_path=str(io_file))
    env.reset(seed=0)
    assert env.step("<submit>print(2 * int(input()))</submit>")[4]["success"]
    env.close()
