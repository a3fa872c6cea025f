"""The code verifier, used without the env: submissions judged in a sandbox pool."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.envs.code.generator import CodeConfig, task_at
from cogym.envs.code.verifier import evaluate_submission, submitted_code, verify
from cogym.sandbox import SandboxPool
from tests.marks import needs_sandbox
from tests.test_resources import descendants, leftovers

FAMILIES = ["caesar_shift", "rle_encode", "eval_rpn", "io_word_frequency", "io_bank_ledger"]
ADD_TASK = {
    "kind": "function",
    "prompt": "Add two numbers.",
    "entry_point": "add",
    "examples": [{"input": [1, 2], "output": 3}],
    "tests": [{"input": [2, 2], "output": 4}, {"input": [0, 5], "output": 5}],
}
HUMANEVAL_TASK = {
    "kind": "function",
    "prompt": "Return the sum of a and b.",
    "entry_point": "add",
    "signature": "def add(a, b)",
    "test_code": (
        "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"
    ),
}
IO_TASK = {
    "kind": "io",
    "prompt": "Print the sum of two integers.",
    "tests": [{"input": "1 2\n", "output": "3\n"}, {"input": "2 2\n", "output": "5\n"}],
}
ADD = "def add(a, b):\n    return a + b"


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(2) as shared:
        yield shared


def generated(family: str) -> dict:
    return task_at(CodeConfig(families=(family,)), 0, 0)


@needs_sandbox
@pytest.mark.parametrize("family", FAMILIES)
def test_a_tasks_own_reference_solution_scores_one(pool: SandboxPool, family: str) -> None:
    task = generated(family)
    verdict = verify(task["solution"], task, runner=pool)
    assert (verdict.score, verdict.success, verdict.feedback_kind) == (1.0, True, "all_passed")
    assert verdict.details == {"passed": 10, "total": 10, "pass_rate": 1.0}
    assert verdict.valid and verdict.answer == task["solution"]
    assert verdict.message.startswith("All tests passed!")


@needs_sandbox
@pytest.mark.parametrize("family", FAMILIES)
def test_a_wrong_solution_scores_below_one(pool: SandboxPool, family: str) -> None:
    task = generated(family)
    wrong = (
        f"def {task['entry_point']}(*args):\n    return None\n"
        if task["entry_point"]
        else "print(0)"
    )
    verdict = verify(wrong, task, runner=pool)
    assert verdict.score < 1.0
    assert (verdict.success, verdict.feedback_kind, verdict.valid) == (False, "tests_failed", True)
    assert "Example 1 failed" in verdict.message


@needs_sandbox
def test_a_reply_with_a_submit_block_is_judged_on_its_code(pool: SandboxPool) -> None:
    reply = f"I tried <run>print(1)</run> and now:\n<submit>\n```python\n{ADD}\n```\n</submit>"
    verdict = verify(reply, ADD_TASK, runner=pool)
    assert verdict.success and verdict.answer == ADD


@needs_sandbox
def test_pass_rate_and_all_pass_scores(pool: SandboxPool) -> None:
    half = "a, b = map(int, input().split())\nprint(a + b)\n"
    assert verify(half, IO_TASK, runner=pool).score == 0.5
    assert verify(half, IO_TASK, runner=pool, reward="all_pass").score == 0.0
    assert verify(half, IO_TASK, runner=pool).details == {"passed": 1, "total": 2, "pass_rate": 0.5}


@needs_sandbox
def test_a_humaneval_task_runs_its_test_code(pool: SandboxPool) -> None:
    right = verify(ADD, HUMANEVAL_TASK, runner=pool)
    assert (right.score, right.success, right.details["total"]) == (1.0, True, 1)
    wrong = verify("def add(a, b):\n    return a - b\n", HUMANEVAL_TASK, runner=pool)
    assert (wrong.score, wrong.success, wrong.feedback_kind) == (0.0, False, "tests_failed")


@needs_sandbox
def test_evaluate_submission_reports_hidden_and_visible_outcomes(pool: SandboxPool) -> None:
    good = evaluate_submission(ADD, ADD_TASK, pool, timeout_s=5.0)
    assert (good.passed, good.total, good.pass_rate, good.solved) == (2, 2, 1.0, True)
    assert [outcome.passed for outcome in good.examples] == [True]
    assert good.feedback == ("All visible examples passed.",)
    bad = evaluate_submission("def add(a, b):\n    return a * b\n", ADD_TASK, pool, timeout_s=5.0)
    assert (bad.passed, bad.total, bad.solved) == (1, 2, False)
    assert bad.feedback == ("Example 1 failed: input [1, 2], expected 3, got 2.",)


@needs_sandbox
def test_hidden_tests_never_appear_in_the_message(pool: SandboxPool) -> None:
    verdict = verify("def add(a, b):\n    return 0\n", ADD_TASK, runner=pool)
    assert "[2, 2]" not in verdict.message and "[0, 5]" not in verdict.message


@pytest.mark.parametrize(
    ("reply", "kind"), [("<run>print(1)</run>", "no_action"), ("<submit> </submit>", "empty_code")]
)
def test_a_reply_without_code_is_invalid(reply: str, kind: str) -> None:
    verdict = verify(reply, ADD_TASK)
    assert (verdict.score, verdict.success, verdict.valid, verdict.feedback_kind) == (
        0.0,
        False,
        False,
        kind,
    )


def test_submitted_code_reads_raw_code_and_submit_blocks() -> None:
    assert submitted_code(ADD) == ADD
    assert submitted_code(f"```python\n{ADD}\n```") == ADD
    assert submitted_code(f"<submit>{ADD}</submit> then <run>print(2)</run>") == ADD
    assert submitted_code("<run>print(2)</run>") is None


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"reward": "best"}, "reward must be"), ({"timeout_s": 0}, "timeout_s")]
)
def test_bad_arguments_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        verify(ADD, ADD_TASK, **kwargs)


@needs_sandbox
def test_verify_without_a_runner_leaves_no_process() -> None:
    before = descendants()
    verdict = verify(ADD, ADD_TASK)
    assert verdict.success
    assert not leftovers(before)


@needs_sandbox
def test_the_longest_timeout_on_a_task_with_many_cases_stays_within_the_sandbox_limit(
    pool: SandboxPool,
) -> None:
    # 30 cases x 3,600 s asked the sandbox for 31 hours, past its limit, and raised.
    task = {**ADD_TASK, "tests": [{"input": [n, 1], "output": n + 1} for n in range(30)]}
    verdict = verify(f"<submit>{ADD}</submit>", task, runner=pool, timeout_s=3600)
    assert verdict.success and verdict.details["total"] == 30
    humaneval = verify(f"<submit>{ADD}</submit>", HUMANEVAL_TASK, runner=pool, timeout_s=3600)
    assert humaneval.success
