"""The code env: write code, run it in a sandbox, submit it against hidden tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from cogym.core.checks import check_choice, check_int, check_timeout, require, shown
from cogym.core.task_env import TaskEnv
from cogym.core.text_env import Outcome
from cogym.envs.code.actions import parse_action
from cogym.envs.code.generator import CodeConfig, generate_task
from cogym.envs.code.loaders import load_tasks
from cogym.envs.code.task import validate_task
from cogym.envs.code.verifier import REWARD_MODES, evaluate_submission
from cogym.sandbox.backends import BACKENDS
from cogym.sandbox.limits import MAX_POOL_SIZE, MIN_MEMORY_MB, max_memory_mb

MAX_SHOWN_OUTPUT = 2000  # characters of stdout/stderr shown after a run
#: The most submissions (``max_submissions``) per episode.
MAX_SUBMISSIONS = 10**6
SANDBOX_BACKENDS = ("auto", *BACKENDS)


class CodeEnv(TaskEnv, config=CodeConfig, generate=generate_task, validate=validate_task):
    """Solve a programming task: run code in a sandbox, then submit it to hidden tests.

    ## Description
    Each episode is one task: a function to write (``cogym/Code-v0``) or a program that
    reads stdin and writes stdout (``cogym/Code-IO-v0``), with visible examples and hidden
    tests. Tasks come from a procedural generator of many families (string transforms,
    list operations, parsing, run-length coding, brackets, search and sorting, numeric
    sequences...), each with a reference solution that produced its tests, or from a
    ``tasks_path`` JSONL file (HumanEval/MBPP-style function + test code, or
    APPS/CodeContests-style stdin/stdout pairs). All code runs in :mod:`cogym.sandbox`:
    no network, writes only in a scratch dir, CPU, memory, process and output limits.

    ## Action Space
    ``Text(max_length=16384)``: ``<run>CODE</run>`` runs Python code and shows its exit
    status, stdout and stderr (a turn, no reward); ``<submit>CODE</submit>`` runs the
    hidden tests. The last such block in the text counts; a Markdown code fence inside it
    is removed; an unclosed final tag runs to the end of the text.

    ## Observation Space
    ``Text(max_length=8192)``. First: the statement, the signature (function tasks) or
    I/O format, the visible examples, the two actions, and the limits. Then the run's
    output, or the submission's result: hidden tests passed, and which visible examples
    failed (input, expected, got). Hidden tests are never shown.

    ## Rewards
    With ``reward="pass_rate"`` (default) a submission scores the fraction of hidden tests
    passed; with ``"all_pass"`` 1.0 only when all pass. With several submissions allowed,
    each submission earns its improvement over the best earlier one, so the return is the
    best score. Runs earn 0. ``invalid_action_reward`` (default -0.1) for an action with
    no ``<run>``/``<submit>`` block or with no code.

    ## Starting State
    A task from the generator (seeded by ``reset(seed=...)``) or from ``tasks_path``;
    ``options``: ``{"index": i}`` or ``{"task": {...}}`` (the schema of
    :func:`~cogym.envs.code.task.validate_task`).

    ## Episode End
    Terminated when every hidden test passes or after ``max_submissions`` submissions
    (default 1). Truncated after ``max_turns`` turns (default 8).

    ## Info
    ``reset``: ``turn``, ``task`` (the task, hidden tests and reference solution included:
    never show it to a policy), ``task_index`` (``reset(options={"index": task_index})``
    replays the episode; None for a task passed in), ``family``, ``kind``, ``entry_point``.
    ``step``: ``turn``, ``action_valid``, ``success`` (every hidden test passed),
    ``feedback_kind`` (``run_ok``, ``run_error``, ``run_timeout``, ``run_memory``,
    ``run_output_limit``, ``run_killed``, ``all_passed``, ``tests_failed``, ``no_action``,
    ``empty_code``, ``action_too_long``, ``not_text``), ``action`` (``run``/``submit``),
    and after a submission ``passed``, ``total``, ``pass_rate``, ``submissions``.

    ## Arguments
    - ``kind``: ``"function"`` or ``"io"`` for generated tasks (the ids set it).
    - ``families``, ``num_examples``, ``num_tests``: the generator's
      :class:`~cogym.envs.code.generator.CodeConfig`.
    - ``max_turns`` (8), ``max_submissions`` (1), ``reward`` (``"pass_rate"``),
      ``invalid_action_reward`` (-0.1).
    - ``timeout_s`` (5.0 per run or test program; 0.001-3600), ``memory_mb`` (512; from
      64 to :func:`cogym.sandbox.limits.max_memory_mb`, the host's RAM up to 65536),
      ``sandbox_backend`` (``"auto"``: bubblewrap, else docker; or ``"bwrap"``,
      ``"docker"``, ``"subprocess"``), ``pool_size`` (2 warm sandboxed interpreters,
      started on first use; at most 128), ``sandbox`` (a
      :class:`~cogym.sandbox.SandboxPool` to share between envs instead: the env uses it
      and never closes it; it is then the pool's backend and memory limit that apply).
    - ``tasks_path``, ``dataset_seed`` (the generator sequence ``{"index": i}`` reads),
      ``render_mode``.

    ## Version History
    - v0: initial version.
    """

    answer_formats: ClassVar[tuple[str, ...]] = ("tag",)
    answer_tag: ClassVar[str] = "submit"

    def __init__(
        self,
        *,
        kind: str = "function",
        families: tuple[str, ...] | list[str] | None = None,
        num_examples: int | None = None,
        num_tests: int | None = None,
        max_turns: int = 8,
        max_submissions: int = 1,
        reward: str = "pass_rate",
        invalid_action_reward: float = -0.1,
        timeout_s: float = 5.0,
        memory_mb: int = 512,
        sandbox_backend: str = "auto",
        pool_size: int = 2,
        sandbox: Any = None,
        tasks_path: str | None = None,
        dataset_seed: int = 0,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(
            config=CodeConfig(kind=kind).with_overrides(
                families=families, num_examples=num_examples, num_tests=num_tests
            ),
            tasks_path=tasks_path,
            dataset_seed=dataset_seed,
            load_tasks=load_tasks,
            max_turns=max_turns,
            invalid_action_reward=invalid_action_reward,
            render_mode=render_mode,
        )
        self.reward_mode = check_choice("reward", reward, REWARD_MODES)
        self.max_submissions = check_int(
            "max_submissions", max_submissions, minimum=1, maximum=MAX_SUBMISSIONS
        )
        self.timeout_s = check_timeout("timeout_s", timeout_s)
        self.memory_mb = check_int(
            "memory_mb", memory_mb, minimum=MIN_MEMORY_MB, maximum=max_memory_mb()
        )
        self.pool_size = check_int("pool_size", pool_size, minimum=1, maximum=MAX_POOL_SIZE)
        self.sandbox_backend = check_choice("sandbox_backend", sandbox_backend, SANDBOX_BACKENDS)
        require(
            sandbox is None or callable(getattr(sandbox, "run", None)),
            f"sandbox must be a cogym.sandbox.SandboxPool to share, or None; got {shown(sandbox)}",
        )
        self._pool = self.resources.lazy(self._start_pool, shared=sandbox)
        self._submissions = 0
        self._best = 0.0

    # -- the sandbox ------------------------------------------------------------------

    @property
    def pool(self):
        """The warm sandbox pool, started on first use (or the shared one passed in)."""
        return self._pool.get()

    def _start_pool(self):
        from cogym.sandbox import SandboxPool

        return SandboxPool(self.pool_size, backend=self.sandbox_backend, memory_mb=self.memory_mb)

    # -- episode ----------------------------------------------------------------------

    def _start_task(self, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        self._submissions, self._best = 0, 0.0
        info = {
            "family": self.task["family"],
            "kind": self.task["kind"],
            "entry_point": self.task["entry_point"],
        }
        return self._prompt(), info

    def _prompt(self) -> str:
        task = self.task
        lines = [task["prompt"].strip(), ""]
        if task["kind"] == "function":
            header = "Write a Python function."
            if task["signature"]:
                lines += [f"Signature: {task['signature']}", ""]
            examples = [
                f"  {task['entry_point']}({', '.join(map(repr, example['input']))}) == "
                f"{example['output']!r}"
                for example in task["examples"]
            ]
            must = f"Your submission must define `{task['entry_point']}`."
        else:
            header = "Write a Python program that reads standard input and writes standard output."
            examples = [
                f"  Input:\n{_indent(example['input'])}\n  Output:\n{_indent(example['output'])}"
                for example in task["examples"]
            ]
            must = "Your submission is run once per test with the test's input on stdin."
        if examples:
            lines += ["Examples:", *examples, ""]
        plural = "s" if self.max_submissions > 1 else ""
        submissions = f"{self.max_submissions} submission{plural}"
        lines += [
            "Actions (one per turn):",
            "  <run>CODE</run>        run Python code in a sandbox and see its output",
            "  <submit>CODE</submit>  submit your solution to the hidden tests",
            f"{must} You have {self.max_turns} turns and {submissions}. Each run is limited "
            f"to {self.timeout_s:g} s and {self.memory_mb} MB, with no network.",
        ]
        return header + "\n\n" + "\n".join(lines)

    def _apply_action(self, action: str) -> Outcome:
        parsed = parse_action(action)
        if parsed is None:
            return Outcome(
                "Invalid action: use <run>CODE</run> to run code or <submit>CODE</submit> to "
                "submit your solution.",
                "no_action",
                valid=False,
            )
        if not parsed.code.strip():
            return Outcome(
                f"Invalid action: the <{parsed.verb}> block has no code.", "empty_code", valid=False
            )
        if parsed.verb == "run":
            return self._run(parsed.code)
        return self._submit(parsed.code)

    def _run(self, code: str) -> Outcome:
        result = self.pool.run(code, timeout_s=self.timeout_s)
        parts = [f"Exit status: {result.status} (exit code {result.exit_code})."]
        for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if text:
                shown = text[:MAX_SHOWN_OUTPUT] + (
                    "\n[...]" if len(text) > MAX_SHOWN_OUTPUT else ""
                )
                parts.append(f"--- {name} ---\n{shown}")
        parts.append(self.turns_left_line())
        info = {"action": "run", "run_status": result.status}
        return Outcome("\n".join(parts), f"run_{result.status}", info=info)

    def _submit(self, code: str) -> Outcome:
        self._submissions += 1
        submission = evaluate_submission(code, self.task, self.pool, timeout_s=self.timeout_s)
        passed, total, solved = submission.passed, submission.total, submission.solved
        score = submission.score(self.reward_mode)
        reward = max(0.0, score - self._best)
        self._best = max(self._best, score)
        done = solved or self._submissions >= self.max_submissions
        lines = [f"Submission {self._submissions}: passed {passed}/{total} hidden tests."]
        lines += submission.feedback
        if solved:
            lines.insert(0, "All tests passed!")
        elif not done:
            left = self.max_submissions - self._submissions
            lines.append(f"You may submit again ({left} left). {self.turns_left_line()}")
        return Outcome(
            "\n".join(lines),
            "all_passed" if solved else "tests_failed",
            reward=reward,
            terminated=done,
            success=solved,
            info={
                "action": "submit",
                "passed": passed,
                "total": total,
                "pass_rate": submission.pass_rate,
                "submissions": self._submissions,
            },
        )


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in str(text).rstrip("\n").splitlines()) or "    (empty)"
