"""The base of every env whose episodes are tasks: Countdown, Code, Math and what follows.

:class:`TaskEnv` owns what a task-backed family would otherwise copy:

- the family's config (a :class:`~cogym.core.config.TaskConfig`, given or built from
  kwargs with :meth:`~cogym.core.config.TaskConfig.with_overrides`);
- where tasks come from: the generator's sequence for ``dataset_seed``, a ``tasks_path``
  JSONL file, ``reset(options={"index": i})`` or ``options={"task": {...}}``;
- replayable episodes: a seeded reset draws a ``task_index`` from the env's
  ``np_random`` and reports it, and ``{"index": i}`` reads the same sequence, so every
  episode is ``(dataset_seed, task_index)``;
- the reset info keys ``task`` and ``task_index``.

A family names its pieces in the class statement and writes :meth:`_start_task` (the
prompt) and ``_apply_action`` (its rules)::

    class CountdownEnv(TaskEnv, config=CountdownConfig, generate=generate_task,
                       validate=validate_task):
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from cogym.core.checks import check_int
from cogym.core.config import TaskConfig
from cogym.core.tasks import Task, TaskSource, item_rng
from cogym.core.text_env import TextEnv

#: The largest ``dataset_seed`` (in absolute value): a 64-bit seed.
MAX_DATASET_SEED = 2**63 - 1


class TaskEnv(TextEnv):
    """A text env whose episode is one task; see the module docstring.

    :param config: the generator's config (already built from the env's kwargs).
    :param tasks_path: a JSONL file of tasks; the generator is then not used.
    :param dataset_seed: the seed of the generator's task sequence, an int of at most
        :data:`MAX_DATASET_SEED` in absolute value.
    :param load_tasks: reads ``tasks_path`` for families whose files come in several
        shapes; default: one task per line, checked by :attr:`validate_task`.
    :param max_turns: turns before the episode is truncated.
    :param invalid_action_reward: reward for an action that does not parse.
    :param render_mode: ``None`` or ``"ansi"``.
    """

    option_keys: ClassVar[frozenset[str]] = frozenset({"index", "task"})
    #: The family's config class; its defaults are the generator's defaults.
    config_class: ClassVar[type[TaskConfig]] = TaskConfig
    #: ``(rng, config) -> task``: the family's generator.
    generate_task: ClassVar[Callable[[random.Random, Any], Task]]
    #: ``task -> clean task``: the family's schema check.
    validate_task: ClassVar[Callable[[Mapping[str, Any]], Task]]

    def __init_subclass__(
        cls,
        *,
        config: type[TaskConfig] | None = None,
        generate: Callable[[random.Random, Any], Task] | None = None,
        validate: Callable[[Mapping[str, Any]], Task] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if config is not None:
            cls.config_class = config
        if generate is not None:
            cls.generate_task = staticmethod(generate)
        if validate is not None:
            cls.validate_task = staticmethod(validate)

    def __init__(
        self,
        *,
        config: TaskConfig,
        tasks_path: str | Path | None = None,
        dataset_seed: int = 0,
        load_tasks: Callable[[Path], list[Task]] | None = None,
        max_turns: int,
        invalid_action_reward: float = -0.1,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(
            max_turns=max_turns,
            invalid_action_reward=invalid_action_reward,
            render_mode=render_mode,
        )
        config.validate()
        self.config = config
        self.dataset_seed = check_int(
            "dataset_seed", dataset_seed, minimum=-MAX_DATASET_SEED, maximum=MAX_DATASET_SEED
        )
        self.tasks = TaskSource(
            validate=self.validate_task,
            task_at=self.task_at,
            tasks_path=tasks_path,
            load=load_tasks,
        )
        self.task: Task = {}
        self.task_index: int | None = None

    def task_at(self, index: int) -> Task:
        """Task ``index`` of the generator's sequence for :attr:`dataset_seed`."""
        return self.generate_task(item_rng(self.dataset_seed, index), self.config)

    # -- to implement -------------------------------------------------------------------

    def _start_task(self, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Set up the episode for :attr:`task`; return the prompt and extra reset info."""
        raise NotImplementedError

    # -- the contract -------------------------------------------------------------------

    def _pick_task(self, options: Mapping[str, Any]) -> tuple[Task, int | None]:
        """The episode's task and its index; a family with reset options of its own that
        choose a task (the web suites' ``task_name``) overrides this."""
        return self.tasks.pick(self.np_random, options)

    def _start_episode(self, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        self.task, self.task_index = self._pick_task(options)
        prompt, extra = self._start_task(options)
        return prompt, {"task": self.task, "task_index": self.task_index, **extra}
