"""The math env: answer with \\boxed{}, graded by math-verify; retries and a Python tool."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from cogym.core.answers import extract_tag
from cogym.core.checks import (
    check_choice,
    check_int,
    check_number,
    check_text,
    check_timeout,
    require,
    shown,
)
from cogym.core.task_env import TaskEnv
from cogym.core.text_env import Outcome
from cogym.envs.math.generator import MathConfig, generate_task
from cogym.envs.math.grader import ANSWER_FORMATS, MathGrader
from cogym.envs.math.task import load_math_jsonl, validate_task
from cogym.sandbox.backends import BACKENDS
from cogym.sandbox.limits import MIN_MEMORY_MB, max_memory_mb

MODES = ("single", "retry", "python")
MAX_SHOWN_OUTPUT = 2000
#: The most answers (``max_attempts``) and tool calls (``max_tool_calls``) per episode.
MAX_ATTEMPTS = MAX_TOOL_CALLS = 10**6
SANDBOX_BACKENDS = ("auto", *BACKENDS)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_PYTHON_BLOCK = re.compile(r"<python>.*?(?:</python>|\Z)", flags=re.DOTALL | re.IGNORECASE)


class MathEnv(TaskEnv, config=MathConfig, generate=generate_task, validate=validate_task):
    """Solve a math problem; the final answer in ``\\boxed{}`` is graded by math-verify.

    ## Description
    ``cogym/Math-v0``: one attempt. ``cogym/Math-Retry-v0``: after a wrong answer the
    agent hears only "incorrect" and tries again, up to ``max_attempts``.
    ``cogym/Math-Python-v0``: tool-integrated reasoning: the agent may write
    ``<python>CODE</python>``; the code runs in a :class:`cogym.sandbox.Session` (variables
    persist across calls within the episode) and its output is the next observation, up
    to ``max_tool_calls`` calls. Problems come from procedural generators with exact
    answers (arithmetic, fractions, percentages, linear equations, 2x2 systems, quadratic
    roots, gcd/lcm/modular arithmetic, word problems, unit conversions; three difficulty
    levels) or from a ``tasks_path`` JSONL file (GSM8K, MATH, AIME...).

    ## Action Space
    ``Text(max_length=16384)``: free text whose answer is the last ``\\boxed{...}`` (or
    ``<answer>...</answer>``). In python mode an action whose last block is
    ``<python>...</python>`` (after any ``\\boxed``) is a tool call instead.

    ## Observation Space
    ``Text(max_length=8192)``: first the problem and the rules of the mode; then "Correct",
    "Incorrect" (never the gold answer), a format error, or the tool's output.

    ## Rewards
    ``1.0`` for a correct answer, times ``attempt_discount ** (attempt - 1)`` in retry
    mode; ``0.0`` for a wrong one (or a grading timeout); ``invalid_action_reward`` (default
    -0.1) for an action with no answer, an unparsable answer, or a tool call past the budget.
    Tool calls earn 0.

    ## Starting State
    A generated problem (seeded by ``reset(seed=...)``) or one from ``tasks_path``;
    ``options``: ``{"index": i}`` or ``{"task": {"question": ..., "answer": ...}}``.

    ## Episode End
    Terminated when the answer is correct, or when the last attempt was wrong. Truncated
    when ``max_turns`` run out otherwise (default: attempts + tool calls + 1, so one
    malformed reply does not end a one-attempt episode).

    ## Info
    ``reset``: ``turn``, ``task`` (the task, gold answer included: never show it to a
    policy), ``task_index`` (``reset(options={"index": task_index})`` replays the episode;
    None for a task passed in), ``family``, ``difficulty``. ``step``: ``turn``,
    ``action_valid``, ``success``, ``feedback_kind`` (``correct``, ``wrong_answer``,
    ``timeout``, ``no_answer``, ``unparsable``, ``tool_ok``, ``tool_error``,
    ``tool_timeout``..., ``tool_budget_exhausted``, ``action_too_long``, ``not_text``),
    ``attempts``, ``tool_calls``, ``answer`` (the extracted answer or None).

    ## Arguments
    - ``mode``: ``"single"``, ``"retry"`` or ``"python"`` (the ids set it).
    - ``families``, ``min_difficulty``, ``max_difficulty``: the generator's config.
    - ``max_attempts`` (1; 3 for Math-Retry-v0), ``attempt_discount`` (1.0),
      ``max_tool_calls`` (4 in python mode), ``max_turns`` (attempts + tool calls + 1).
    - ``invalid_action_reward`` (-0.1), ``grade_timeout_s`` (2.0; 0.001-3600), ``grader`` (a
      :class:`~cogym.envs.math.grader.MathGrader` to share between envs; by default the
      env starts its own grading worker on the first answer and ends it on ``close()``).
    - ``tool_timeout_s`` (5.0; 0.001-3600), ``tool_memory_mb`` (512; 64 to the host's RAM,
      at most 65536),
      ``sandbox_backend`` (``"auto"``, ``"bwrap"``, ``"docker"`` or ``"subprocess"``).
    - ``tasks_path``, ``question_key`` (``"question"``), ``answer_key`` (``"answer"``):
      GSM8K ``#### 42`` and MATH ``\\boxed{}`` solutions are parsed; a row whose answer
      math-verify cannot read is rejected when the file is loaded; ``dataset_seed``.
    - ``render_mode``.

    ## Version History
    - v0: initial version.
    """

    answer_formats: ClassVar[tuple[str, ...]] = ANSWER_FORMATS

    def __init__(
        self,
        *,
        mode: str = "single",
        families: tuple[str, ...] | list[str] | None = None,
        min_difficulty: int | None = None,
        max_difficulty: int | None = None,
        max_attempts: int = 1,
        attempt_discount: float = 1.0,
        max_tool_calls: int = 0,
        max_turns: int | None = None,
        invalid_action_reward: float = -0.1,
        grade_timeout_s: float = 2.0,
        tool_timeout_s: float = 5.0,
        tool_memory_mb: int = 512,
        sandbox_backend: str = "auto",
        grader: MathGrader | None = None,
        tasks_path: str | None = None,
        question_key: str = "question",
        answer_key: str = "answer",
        dataset_seed: int = 0,
        render_mode: str | None = None,
    ) -> None:
        check_choice("mode", mode, MODES)
        check_int("max_attempts", max_attempts, minimum=1, maximum=MAX_ATTEMPTS)
        check_int("max_tool_calls", max_tool_calls, minimum=0, maximum=MAX_TOOL_CALLS)
        check_number(
            "attempt_discount", attempt_discount, minimum=0, maximum=1, exclusive_minimum=True
        )
        check_text("question_key", question_key)
        check_text("answer_key", answer_key)
        require(
            grader is None or callable(getattr(grader, "grade", None)),
            f"grader must be a cogym.envs.math.grader.MathGrader to share, or None; got "
            f"{shown(grader)}",
        )
        tool_calls = max_tool_calls if mode == "python" else 0
        super().__init__(
            config=MathConfig().with_overrides(
                families=families,
                min_difficulty=min_difficulty,
                max_difficulty=max_difficulty,
            ),
            tasks_path=tasks_path,
            dataset_seed=dataset_seed,
            load_tasks=lambda path: load_math_jsonl(Path(path), question_key, answer_key),
            # one spare turn, so a single malformed reply does not end a one-attempt episode
            max_turns=max_turns if max_turns is not None else max_attempts + tool_calls + 1,
            invalid_action_reward=invalid_action_reward,
            render_mode=render_mode,
        )
        self.mode = mode
        self.max_attempts = max_attempts
        self.attempt_discount = float(attempt_discount)
        self.max_tool_calls = tool_calls
        self.grade_timeout_s = check_timeout("grade_timeout_s", grade_timeout_s)
        self.tool_timeout_s = check_timeout("tool_timeout_s", tool_timeout_s)
        self.tool_memory_mb = check_int(
            "tool_memory_mb", tool_memory_mb, minimum=MIN_MEMORY_MB, maximum=max_memory_mb()
        )
        self.sandbox_backend = check_choice("sandbox_backend", sandbox_backend, SANDBOX_BACKENDS)
        self._session = self.resources.lazy(self._start_session)
        self._grader = self.resources.lazy(MathGrader, shared=grader)
        self._attempts = 0
        self._tool_calls = 0

    # -- episode ----------------------------------------------------------------------

    def _start_task(self, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        self._session.close()  # a new episode starts with fresh Python variables
        self._attempts, self._tool_calls = 0, 0
        return self._prompt(), {
            "family": self.task["family"],
            "difficulty": self.task["difficulty"],
        }

    def _prompt(self) -> str:
        lines = [self.task["question"].strip(), ""]
        lines.append("Give your final answer in \\boxed{}, for example \\boxed{42}.")
        if self.mode == "retry":
            lines.append(
                f"You have {self.max_attempts} attempts; after a wrong answer you are told only "
                "that it is incorrect."
            )
        if self.mode == "python":
            lines.append(
                f"You may run Python by writing <python>CODE</python>; its printed output comes "
                f"back to you, and variables persist between calls. You have "
                f"{self.max_tool_calls} tool calls (each limited to {self.tool_timeout_s:g} s, no "
                "network). A reply that ends with a <python> block is a tool call; otherwise its "
                "\\boxed{} answer is graded."
            )
        return "\n".join(lines)

    def _apply_action(self, action: str) -> Outcome:
        if self.mode == "python" and self._is_tool_call(action):
            return self._tool_call(
                extract_tag(action[action.lower().rfind("<python>") :], "python") or ""
            )
        return self._answer(action)

    # -- answers ----------------------------------------------------------------------

    def _answer(self, action: str) -> Outcome:
        result = self._grader.get().grade(
            action, self.task["answer"], timeout_s=self.grade_timeout_s
        )
        info = {"answer": result.answer, "attempts": self._attempts, "tool_calls": self._tool_calls}
        if result.kind in ("no_answer", "unparsable"):
            tail = self.turns_left_line()
            return Outcome(f"{result.message} {tail}", result.kind, valid=False, info=info)
        self._attempts += 1
        info["attempts"] = self._attempts
        if result.correct:
            reward = self.attempt_discount ** (self._attempts - 1)
            return Outcome(
                "Correct.", "correct", reward=reward, terminated=True, success=True, info=info
            )
        failed = self._attempts >= self.max_attempts
        if failed:
            observation = "Incorrect. No attempts left."
        else:
            left = self.max_attempts - self._attempts
            observation = f"Incorrect. Try again ({left} attempt{'s' if left != 1 else ''} left)."
        return Outcome(observation, result.kind, terminated=failed, info=info)

    # -- the python tool --------------------------------------------------------------

    @staticmethod
    def _is_tool_call(action: str) -> bool:
        """Whether the last ``<python>`` block comes after the last ``\\boxed`` outside code."""
        tool = action.lower().rfind("<python>")
        if tool < 0:
            return False
        outside = _PYTHON_BLOCK.sub(lambda match: " " * len(match.group()), action)
        boxed = max((match.start() for match in _BOXED.finditer(outside)), default=-1)
        return tool > boxed

    def _tool_call(self, code: str) -> Outcome:
        info = {"answer": None, "attempts": self._attempts, "tool_calls": self._tool_calls}
        if self._tool_calls >= self.max_tool_calls:
            return Outcome(
                f"Tool budget used up ({self.max_tool_calls} calls); give your final answer in "
                "\\boxed{}.",
                "tool_budget_exhausted",
                valid=False,
                info=info,
            )
        if not code.strip():
            return Outcome("The <python> block has no code.", "empty_code", valid=False, info=info)
        self._tool_calls += 1
        info["tool_calls"] = self._tool_calls
        result = self._session.get().run(code)
        parts = []
        if result.stdout:
            parts.append(result.stdout[:MAX_SHOWN_OUTPUT])
        if result.stderr:
            parts.append("stderr:\n" + result.stderr[-MAX_SHOWN_OUTPUT:])
        if not parts:
            parts.append(f"(no output; status {result.status})")
        left = self.max_tool_calls - self._tool_calls
        parts.append(f"[{left} tool call{'s' if left != 1 else ''} left]")
        return Outcome("\n".join(parts), f"tool_{result.status}", info=info)

    def _start_session(self):
        from cogym.sandbox import Session

        return Session(
            backend=self.sandbox_backend,
            timeout_s=self.tool_timeout_s,
            memory_mb=self.tool_memory_mb,
        )
