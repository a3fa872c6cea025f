"""Where an env's tasks come from: a JSONL file or a procedural generator.

Both kinds answer the same `reset` options (DESIGN.md): ``{"index": i}`` picks the
i-th task, ``{"task": {...}}`` passes a task dict in the env's schema, and with
neither an index is drawn from the env's seeded ``np_random``. So a seeded episode and
an indexed one read the same sequence, and every episode can be replayed from its index.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cogym.core import strict_json
from cogym.core.checks import check_path, shown
from cogym.core.errors import CogymError, InvalidArgumentError, InvalidTaskError
from cogym.core.strict_json import JSONReadError

Task = dict[str, Any]


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to a readable length for an error message; never raises."""
    return shown(value, limit)


def check_task_keys(
    task: Any, *, family: str, allowed: Sequence[str], required: Sequence[str], example: str
) -> None:
    """Raise :class:`InvalidTaskError` unless ``task`` is a mapping whose keys are all in
    ``allowed`` and include every key of ``required``.

    :param family: the env family, for the message (e.g. ``"Countdown"``).
    :param example: a small valid task, shown in the messages.
    """
    if not isinstance(task, Mapping):
        raise InvalidTaskError(
            f"{family} task must be a mapping like {example}; got {short_repr(task)}"
        )
    unknown = sorted(str(key) for key in task if key not in allowed)
    if unknown:
        raise InvalidTaskError(
            f"{family} task has unknown keys {unknown}; allowed keys are {list(allowed)}"
        )
    missing = [key for key in required if key not in task]
    if missing:
        raise InvalidTaskError(f"{family} task is missing {missing}; pass e.g. {example}")


def item_rng(seed: int, index: int) -> random.Random:
    """The generator of task ``index`` in the sequence ``seed`` (reasoning-gym style).

    Seeding with a string hashes it with SHA-512, so distinct ``(seed, index)`` pairs give
    unrelated streams on every platform and Python version, and any task can be
    regenerated alone.
    """
    if type(seed) is not int or type(index) is not int or index < 0:
        raise InvalidArgumentError(
            f"task_at needs an integer seed and an index >= 0; got seed={seed!r}, index={index!r}"
        )
    return random.Random(f"{seed}:{index}")


def sequence(
    generate: Callable[[random.Random, Any], Task],
) -> Callable[[Any, int, int], Task]:
    """A family's ``task_at(config, seed, index)``: task ``index`` of the sequence ``seed``.

    Item ``index`` is ``generate(item_rng(seed, index), config)``, a pure function of its
    arguments, so any task can be regenerated alone.

    :param generate: the family's ``(rng, config) -> task``.
    """

    def task_at(config: Any, seed: int, index: int) -> Task:
        return generate(item_rng(seed, index), config)

    task_at.__doc__ = f"Task ``index`` of the sequence ``seed`` of ``{generate.__qualname__}``."
    return task_at


#: The longest line a tasks file may have, in bytes.
MAX_LINE_BYTES = 64 * 2**20


def load_jsonl(path: str | Path, validate: Callable[[Mapping[str, Any]], Task]) -> list[Task]:
    """Read one task per line from a JSONL file and validate each.

    Blank lines are skipped. Every error, whatever the file holds (bytes that are not
    UTF-8, JSON that is not valid, nested too deeply or with a number too long to read,
    a record the validator rejects), is an :class:`InvalidTaskError` naming the file and
    line.

    :param path: the JSONL file.
    :param validate: the env's task validator; returns the cleaned task.
    :return: the tasks, in file order.
    """
    path = check_path("tasks_path", path)
    try:
        if not path.is_file():  # a directory, or a FIFO or device that may never end
            raise InvalidArgumentError(
                f"tasks_path {str(path)!r} is not a file; pass a JSONL file path"
            )
        tasks = _read_tasks(path, validate)
    except OSError as error:  # unreadable: no such file, a directory, no permission...
        raise InvalidArgumentError(
            f"tasks_path {str(path)!r} cannot be read ({error.strerror or error}); pass the "
            "path of a readable JSONL file"
        ) from None
    if not tasks:
        raise InvalidTaskError(f"{path}: no tasks in file")
    return tasks


def _read_tasks(path: Path, validate: Callable[[Mapping[str, Any]], Task]) -> list[Task]:
    """Every task of the file at ``path``, in order; raises ``OSError`` if it cannot be read."""
    tasks: list[Task] = []
    with path.open("rb") as handle:
        for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), 1):
            where = f"{path}:{number}"
            if len(line) > MAX_LINE_BYTES:
                raise InvalidTaskError(
                    f"{where}: the line is longer than {MAX_LINE_BYTES} bytes; "
                    "a tasks file has one JSON object per line"
                )
            if line.strip():
                tasks.append(_read_task(line, where, validate))
    return tasks


def _read_task(line: bytes, where: str, validate: Callable[[Mapping[str, Any]], Task]) -> Task:
    """Parse and validate one line of a tasks file; every error names ``where``."""
    try:
        record = strict_json.loads(line)
    except JSONReadError as error:
        raise InvalidTaskError(
            f"{where}: {error}; a tasks file has one JSON object per line"
        ) from None
    if not isinstance(record, dict):
        raise InvalidTaskError(f"{where}: each line must be a JSON object")
    try:
        return validate(record)
    except CogymError as error:
        raise InvalidTaskError(f"{where}: {error}") from None
    except RecursionError:
        raise InvalidTaskError(f"{where}: the task is nested too deeply to read") from None
    except Exception as error:  # a validator's bug must still say which line set it off
        raise InvalidTaskError(f"{where}: {type(error).__name__}: {error}") from error


#: Generated tasks are drawn from indices below this (a 31-bit int fits every format).
GENERATED_INDICES = 2**31
#: The largest index ``reset(options={"index": i})`` takes.
MAX_INDEX = 2**63 - 1


class TaskSource:
    """Picks the task for each episode.

    :param validate: checks a task dict and returns the cleaned copy.
    :param task_at: the generator's i-th task, a pure function of the index; used when
        there is no file.
    :param tasks_path: a JSONL file of tasks; when given, the generator is not used.
    :param load: reads ``tasks_path`` into validated tasks, for families whose files come
        in several shapes; default :func:`load_jsonl` with ``validate``.
    """

    def __init__(
        self,
        validate: Callable[[Mapping[str, Any]], Task],
        task_at: Callable[[int], Task],
        tasks_path: str | Path | None = None,
        load: Callable[[Path], list[Task]] | None = None,
    ) -> None:
        self._validate = validate
        self._task_at = task_at
        self._tasks = None
        if tasks_path is not None:
            path = check_path("tasks_path", tasks_path)
            self._tasks = load(path) if load else load_jsonl(path, validate)

    def __len__(self) -> int:
        """Number of tasks in the file; generated sources raise ``TypeError`` (unbounded)."""
        if self._tasks is None:
            raise TypeError("a generated task source has no length")
        return len(self._tasks)

    @property
    def from_file(self) -> bool:
        """Whether tasks come from a ``tasks_path`` file."""
        return self._tasks is not None

    def pick(
        self, np_random: np.random.Generator, options: Mapping[str, Any]
    ) -> tuple[Task, int | None]:
        """Return the episode's task and its index (``None`` only for a task passed in).

        :param np_random: the env's seeded generator; the only source of randomness.
        :param options: the ``reset`` options (``index`` or ``task``, at most one).
        """
        if "task" in options and "index" in options:
            raise InvalidArgumentError("reset options take 'task' or 'index', not both")
        if "task" in options:
            task = options["task"]
            if not isinstance(task, Mapping):
                raise InvalidTaskError(f"options['task'] must be a dict, got {type(task).__name__}")
            return self._validate(task), None
        if "index" in options:
            index = options["index"]
            if (
                isinstance(index, bool)
                or not isinstance(index, (int, np.integer))
                or not 0 <= index <= MAX_INDEX
            ):
                raise InvalidArgumentError(
                    f"options['index'] must be an int from 0 to {MAX_INDEX}, got {shown(index)}"
                )
            return self._task_by_index(int(index)), int(index)
        size = GENERATED_INDICES if self._tasks is None else len(self._tasks)
        index = int(np_random.integers(size))
        return self._task_by_index(index), index

    def _task_by_index(self, index: int) -> Task:
        if self._tasks is None:
            return self._task_at(index)
        if index >= len(self._tasks):
            raise InvalidArgumentError(
                f"options['index']={index} is out of range: "
                f"the tasks file has {len(self._tasks)} tasks"
            )
        return self._tasks[index]
