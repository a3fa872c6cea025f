"""Judge a code submission against a task's tests, with or without the env.

The submission runs in a *runner*: anything with ``run(code, *, stdin=None, timeout_s)``
and ``run_many(jobs)`` that returns :class:`~cogym.sandbox.ExecResult` objects, such as
a :class:`~cogym.sandbox.SandboxPool`. Outputs are compared on the host (see
:mod:`cogym.envs.code.harness`); hidden tests decide the score, and the visible examples
give the feedback, which never shows a hidden test.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cogym.core.answers import extract_tag
from cogym.core.checks import check_timeout
from cogym.core.errors import InvalidArgumentError
from cogym.core.verdict import Verdict
from cogym.envs.code.actions import parse_action, strip_fence
from cogym.envs.code.harness import (
    TestOutcome,
    function_program,
    judge_function,
    judge_io,
    judge_test_code,
    test_code_program,
)
from cogym.envs.code.task import validate_task
from cogym.sandbox import ExecResult, SandboxPool
from cogym.sandbox.limits import MAX_TIMEOUT_S

REWARD_MODES = ("pass_rate", "all_pass")
#: How many sandboxes the temporary pool of :func:`verify` starts.
TEMPORARY_POOL_SIZE = 2


class Runner(Protocol):
    """Runs programs in isolation: a :class:`~cogym.sandbox.SandboxPool` is one."""

    def run(self, code: str, *, stdin: str | None = None, timeout_s: float = ...) -> ExecResult:
        """Run one program."""
        ...

    def run_many(self, jobs: Sequence[Mapping[str, Any]]) -> list[ExecResult]:
        """Run many programs (each a mapping of :meth:`run` keyword arguments), in order."""
        ...


@dataclass(frozen=True)
class Submission:
    """What one submission did on a task's hidden tests and visible examples.

    :param hidden: one outcome per hidden test (the test code, if any, counts as one).
    :param examples: one outcome per visible example.
    :param feedback: lines about the visible examples (which failed: input, expected, got).
    """

    hidden: tuple[TestOutcome, ...]
    examples: tuple[TestOutcome, ...]
    feedback: tuple[str, ...]

    @property
    def passed(self) -> int:
        """Hidden tests passed."""
        return sum(outcome.passed for outcome in self.hidden)

    @property
    def total(self) -> int:
        """Hidden tests run."""
        return len(self.hidden)

    @property
    def pass_rate(self) -> float:
        """The fraction of hidden tests passed (0.0 when there are none)."""
        return self.passed / self.total if self.total else 0.0

    @property
    def solved(self) -> bool:
        """Whether there were hidden tests and every one passed."""
        return self.total > 0 and self.passed == self.total

    def score(self, reward: str = "pass_rate") -> float:
        """The reward: the pass rate, or with ``"all_pass"`` 1.0 only when solved."""
        _check_reward(reward)
        return self.pass_rate if reward == "pass_rate" else float(self.solved)


def _program_limit(seconds: float) -> float:
    """A whole program's limit, scaled from the per-case one, within what a sandbox takes
    (a tasks file with thousands of cases would otherwise ask for more than a day)."""
    return min(seconds, MAX_TIMEOUT_S)


def run_cases(
    code: str,
    task: Mapping[str, Any],
    cases: Sequence[Mapping[str, Any]],
    runner: Runner,
    *,
    timeout_s: float,
) -> list[TestOutcome]:
    """Run ``code`` on test cases (``{"input", "output"}`` dicts) and judge each on the host.

    :param code: the submission's source.
    :param task: a validated code task (its ``kind`` and ``entry_point`` are used).
    :param cases: the examples or tests to run.
    :param runner: where the code runs.
    :param timeout_s: the limit per case (function tasks run every case in one program,
        with ``timeout_s`` per call and ``timeout_s`` more for loading).
    """
    if not cases:
        return []
    if task["kind"] == "function":
        inputs = [case["input"] for case in cases]
        program = function_program(code, task["entry_point"], inputs, timeout_s)
        result = runner.run(program, timeout_s=_program_limit(timeout_s * (len(cases) + 1)))
        crash = f"{result.status}: {result.stderr.strip()[-300:]}"
        return judge_function(result.stdout, crash, [case["output"] for case in cases])
    jobs = [{"code": code, "stdin": case["input"], "timeout_s": timeout_s} for case in cases]
    results = runner.run_many(jobs)
    return [
        judge_io(result.stdout, result.status, result.stderr, case["output"])
        for result, case in zip(results, cases, strict=True)
    ]


def run_test_code(
    code: str, task: Mapping[str, Any], runner: Runner, *, timeout_s: float
) -> TestOutcome:
    """Run the task's dataset test code (HumanEval/MBPP style) against ``code``.

    :param code: the submission's source.
    :param task: a validated function task with ``test_code``.
    :param runner: where the code runs.
    :param timeout_s: the per-test limit; the whole test code gets four times as long.
    """
    program = test_code_program(code, task["test_code"], task["entry_point"])
    result = runner.run(program, timeout_s=_program_limit(timeout_s * 4))
    return judge_test_code(result.stdout, result.status, result.stderr)


def example_feedback(task: Mapping[str, Any], outcomes: Sequence[TestOutcome]) -> list[str]:
    """Lines saying which visible examples failed, or that all passed.

    :param task: the task whose ``examples`` the outcomes belong to.
    :param outcomes: one outcome per example.
    :return: one line per failed example (input, expected, got); ``"All visible examples
        passed."`` when none failed; nothing when there are no examples.
    """
    lines = []
    function = task["kind"] == "function"
    for number, (example, outcome) in enumerate(
        zip(task["examples"], outcomes, strict=True), start=1
    ):
        if outcome.passed:
            continue
        shown = json.dumps(example["input"]) if function else repr(example["input"])
        got = outcome.error or outcome.got
        lines.append(
            f"Example {number} failed: input {shown}, expected {example['output']!r}, got {got}."
        )
    if outcomes and not lines:
        lines.append("All visible examples passed.")
    return lines


def evaluate_submission(
    code: str, task: Mapping[str, Any], runner: Runner, *, timeout_s: float = 5.0
) -> Submission:
    """Run a submission on a task's visible examples and hidden tests.

    :param code: the submission's source (already out of its ``<submit>`` block).
    :param task: a code task in the schema of :func:`~cogym.envs.code.task.validate_task`.
    :param runner: where the code runs, e.g. a :class:`~cogym.sandbox.SandboxPool`.
    :param timeout_s: the limit per test.
    :return: the hidden and visible outcomes and the feedback on the examples.
    """
    check_timeout("timeout_s", timeout_s)
    task = validate_task(task)
    examples = run_cases(code, task, task["examples"], runner, timeout_s=timeout_s)
    hidden = run_cases(code, task, task["tests"], runner, timeout_s=timeout_s)
    if task["test_code"]:
        hidden.append(run_test_code(code, task, runner, timeout_s=timeout_s))
    return Submission(tuple(hidden), tuple(examples), tuple(example_feedback(task, examples)))


def submitted_code(text: str) -> str | None:
    """The code in a reply: its last ``<submit>`` block, or the whole text when it has no
    ``<run>``/``<submit>`` block; a Markdown code fence around it is removed.

    :param text: raw code, or a reply such as ``"...<submit>def f(): ...</submit>"``.
    :return: the code, or ``None`` when the reply has only ``<run>`` blocks.
    """
    if parse_action(text) is None:
        return strip_fence(text)
    code = extract_tag(text, "submit")
    return None if code is None else strip_fence(code)


def verify(
    code: str,
    task: Mapping[str, Any],
    *,
    runner: Runner | None = None,
    timeout_s: float = 5.0,
    memory_mb: int = 512,
    backend: str = "auto",
    reward: str = "pass_rate",
) -> Verdict:
    """Judge a submission to a code task, without the env.

    :param code: raw code, or a reply with a ``<submit>`` block (see :func:`submitted_code`).
    :param task: a code task in the schema of :func:`~cogym.envs.code.task.validate_task`.
    :param runner: where the code runs; ``None`` starts a temporary
        :class:`~cogym.sandbox.SandboxPool` and closes it before returning.
    :param timeout_s: the limit per test.
    :param memory_mb: the temporary pool's memory limit (unused with a ``runner``).
    :param backend: the temporary pool's sandbox backend (unused with a ``runner``).
    :param reward: ``"pass_rate"`` scores the fraction of hidden tests passed;
        ``"all_pass"`` scores 1.0 only when all pass.
    :return: ``success`` when every hidden test passes; ``feedback_kind`` ``all_passed``,
        ``tests_failed``, or ``no_action``/``empty_code`` (not valid) when there is no code;
        ``details`` hold ``passed``, ``total`` and ``pass_rate``.
    """
    _check_reward(reward)
    check_timeout("timeout_s", timeout_s)
    task = validate_task(task)
    source = submitted_code(code)
    if source is None:
        return Verdict(0.0, False, "no_action", "No <submit> block: nothing to judge.", False)
    if not source.strip():
        return Verdict(0.0, False, "empty_code", "The submission has no code.", False, source)
    if runner is None:
        with SandboxPool(TEMPORARY_POOL_SIZE, backend=backend, memory_mb=memory_mb) as pool:
            submission = evaluate_submission(source, task, pool, timeout_s=timeout_s)
    else:
        submission = evaluate_submission(source, task, runner, timeout_s=timeout_s)
    lines = [f"Passed {submission.passed}/{submission.total} hidden tests.", *submission.feedback]
    if submission.solved:
        lines.insert(0, "All tests passed!")
    return Verdict(
        score=submission.score(reward),
        success=submission.solved,
        feedback_kind="all_passed" if submission.solved else "tests_failed",
        message="\n".join(lines),
        answer=source,
        details={
            "passed": submission.passed,
            "total": submission.total,
            "pass_rate": submission.pass_rate,
        },
    )


def _check_reward(reward: str) -> None:
    if reward not in REWARD_MODES:
        raise InvalidArgumentError(f"reward must be one of {REWARD_MODES}, got {reward!r}")
