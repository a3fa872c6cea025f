"""The Countdown env: multi-turn arithmetic puzzles with exact verification."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from cogym.core.answers import extract_tag
from cogym.core.checks import check_bool, check_choice, check_number
from cogym.core.errors import InvalidArgumentError
from cogym.core.task_env import TaskEnv
from cogym.core.text_env import Outcome
from cogym.envs.countdown.generator import PRESETS, CountdownConfig, generate_task
from cogym.envs.countdown.task import validate_task
from cogym.envs.countdown.verifier import ANSWER_FORMATS, verify


class CountdownEnv(TaskEnv, config=CountdownConfig, generate=generate_task, validate=validate_task):
    """Reach a target number by combining given numbers with ``+ - * /``.

    ## Description
    The classic numbers game (and the "Countdown" task of TinyZero-style RL). Each
    episode shows some numbers and a target; the agent answers with an arithmetic
    expression. A wrong answer is told the value it reached and may try again until
    ``max_turns``. Puzzles are generated from a random expression tree over all the
    numbers, so every generated puzzle is solvable, also when all numbers must be used.

    ## Action Space
    ``Text(max_length=16384)``: free text. The expression is read from the last
    ``<answer>...</answer>`` tag if present, else the last ``\\boxed{}``, else the last
    non-empty line. Unicode and LaTeX operators, a leading ``Answer:`` and a trailing
    ``= <number>`` are accepted. Only the given numbers, ``+ - * /`` and parentheses
    may appear; each number at most once (exactly once with ``use_all_numbers``).
    Intermediate fractions are exact.

    ## Observation Space
    ``Text(max_length=8192)``, printable ASCII. The first observation states the numbers,
    the target, the rules, the answer format and the turn budget. Each later observation
    answers the last action: the value it reached, or what was wrong with it.

    ## Rewards
    - ``1.0`` for a correct expression.
    - ``0.0`` for a valid but wrong expression.
    - ``invalid_action_reward`` (default ``-0.1``) for an answer that does not parse or
      breaks the rules (syntax, other operators, numbers not given or reused, division
      by zero, no answer, too long).
    - plus ``format_reward`` (default ``0.0``) once per episode, on the first answer
      given inside ``<answer>`` tags that parses.

    ## Starting State
    A puzzle from the preset's generator (seeded by ``reset(seed=...)``), the
    ``tasks_path`` file, or ``options``: ``{"index": i}`` (the i-th task of the file or
    of the generator's sequence for ``dataset_seed``), ``{"task": {"numbers": [...],
    "target": t}}``, or ``{"numbers": [...], "target": t}``.

    ## Episode End
    Terminated when the answer is correct. Truncated after ``max_turns`` turns
    (default 4) without a correct answer.

    ## Info
    ``reset``: ``turn`` (0), ``task`` (the task: ``numbers``, ``target`` and, for generated
    tasks, a ``solution``; never show it to a policy), ``task_index`` (the task's index in
    the file or in the generator's sequence for ``dataset_seed``: ``reset(options={"index":
    task_index})`` replays the episode; None for a task passed in). ``step``: ``turn``,
    ``action_valid``, ``success``, ``feedback_kind`` (one of
    ``correct``, ``wrong_answer``, ``no_answer``, ``too_long``, ``syntax_error``,
    ``illegal_operator``, ``illegal_number``, ``reused_number``, ``unused_numbers``,
    ``division_by_zero``, ``action_too_long``, ``not_text``), ``expression`` (the
    expression checked, or None) and ``value`` (the value reached as a string such as
    ``"21"`` or ``"7/2"``, or None).

    ## Arguments
    - ``preset``: ``"easy"`` (3 numbers), ``"default"`` (4), ``"hard"`` (6, TV-show style).
    - ``count``, ``min_number``, ``max_number``, ``small_copies``, ``large_numbers``,
      ``max_large``, ``min_target``, ``max_target``, ``min_numbers_used``: override the preset's
      :class:`~cogym.envs.countdown.generator.CountdownConfig` fields.
    - ``use_all_numbers``: every number must be used exactly once (default False).
    - ``max_turns`` (default 4), ``invalid_action_reward`` (-0.1), ``format_reward`` (0.0).
    - ``tasks_path``: a JSONL file of ``{"numbers": [...], "target": t}`` lines.
    - ``dataset_seed``: the seed of the generator sequence that ``{"index": i}`` reads (0).
    - ``render_mode``: ``None`` or ``"ansi"``.

    ## Version History
    - v0: initial version.
    """

    option_keys: ClassVar[frozenset[str]] = frozenset({"index", "task", "numbers", "target"})
    answer_formats: ClassVar[tuple[str, ...]] = ANSWER_FORMATS

    def __init__(
        self,
        *,
        preset: str = "default",
        count: int | None = None,
        min_number: int | None = None,
        max_number: int | None = None,
        small_copies: int | None = None,
        large_numbers: tuple[int, ...] | list[int] | None = None,
        max_large: int | None = None,
        min_target: int | None = None,
        max_target: int | None = None,
        min_numbers_used: int | None = None,
        use_all_numbers: bool = False,
        max_turns: int = 4,
        invalid_action_reward: float = -0.1,
        format_reward: float = 0.0,
        tasks_path: str | None = None,
        dataset_seed: int = 0,
        render_mode: str | None = None,
    ) -> None:
        check_choice("Countdown preset", preset, sorted(PRESETS))
        super().__init__(
            config=PRESETS[preset].with_overrides(
                count=count,
                min_number=min_number,
                max_number=max_number,
                small_copies=small_copies,
                large_numbers=large_numbers,
                max_large=max_large,
                min_target=min_target,
                max_target=max_target,
                min_numbers_used=min_numbers_used,
            ),
            tasks_path=tasks_path,
            dataset_seed=dataset_seed,
            max_turns=max_turns,
            invalid_action_reward=invalid_action_reward,
            render_mode=render_mode,
        )
        self.use_all_numbers = check_bool("use_all_numbers", use_all_numbers)
        self.format_reward = check_number("format_reward", format_reward)
        self._format_paid = False

    def _start_episode(self, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        if "numbers" in options or "target" in options:
            if "task" in options or "index" in options:
                raise InvalidArgumentError(
                    "reset options take 'numbers'+'target', 'task' or 'index': one of them"
                )
            options = {"task": {"numbers": options.get("numbers"), "target": options.get("target")}}
        return super()._start_episode(options)

    def _start_task(self, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        self._format_paid = False
        return self._prompt(), {}

    def _prompt(self) -> str:
        numbers, target = self.task["numbers"], self.task["target"]
        usage = (
            "Use every number exactly once."
            if self.use_all_numbers
            else "Use each number at most once; you need not use them all."
        )
        return (
            f"Countdown. Using the numbers {numbers}, make {target}.\n"
            f"Rules: combine the numbers with + - * / and parentheses. {usage} "
            "No other numbers, operators, or unary minus; fractions along the way are fine.\n"
            "Answer with one expression inside answer tags, like <answer>EXPRESSION</answer>. "
            f"You have {self.max_turns} turn{'s' if self.max_turns != 1 else ''}: after a wrong "
            "answer you are told the value you reached and may try again."
        )

    def _apply_action(self, action: str) -> Outcome:
        verdict = verify(
            action, self.task["numbers"], self.task["target"], use_all=self.use_all_numbers
        )
        info = {
            "expression": verdict.expression,
            "value": None if verdict.value is None else str(verdict.value),
        }
        reward = 1.0 if verdict.correct else 0.0
        if verdict.valid and not self._format_paid and extract_tag(action) is not None:
            self._format_paid = True
            reward += self.format_reward
        if verdict.correct:
            observation = f"Correct! {verdict.expression} = {self.task['target']}."
        else:
            observation = f"{verdict.message} {self.turns_left_line()}"
        return Outcome(
            observation,
            verdict.kind,
            valid=verdict.valid,
            reward=reward,
            terminated=verdict.correct,
            success=verdict.correct,
            info=info,
        )
