"""A training run's metrics: one JSON line per logged step in ``RUN_DIR/metrics.jsonl``.

Each line is a standard JSON object: ``"step"`` (an int from 0) and the metrics of that
step, each a finite number or ``null`` (not measured). A NaN or infinity is written as
``null`` and its key listed in the line's ``"nonfinite"`` list, so every JSON reader can
read the file and a NaN loss still shows. Evaluation lines hold keys that start with
``eval/``; training lines hold the rest.

A run that was killed may leave a last line cut short; :func:`read_metrics` skips it
with a warning, and a :class:`MetricsLogger` that resumes the run cuts it off
before appending. A resumed run logs some steps again: the last line of a step wins.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from cogym.core.checks import check_int, shown
from cogym.core.errors import CogymError, InvalidArgumentError

#: The metrics file's name inside a run directory.
METRICS_FILE = "metrics.jsonl"
#: The folder, inside a run directory, that holds the TensorBoard event files.
TENSORBOARD_DIR = "tensorboard"
#: The prefix of every evaluation metric's key.
EVAL_PREFIX = "eval/"
#: Keys of a line that are not metrics.
RESERVED_KEYS = frozenset({"step", "nonfinite"})


class MetricsWarning(UserWarning):
    """A line of a metrics file was skipped (cut short by a killed run, or not a metrics line)."""


class MetricsLogger:
    """Append one JSON line per :meth:`log` call to ``RUN_DIR/metrics.jsonl`` (flushed at
    once), and write the same scalars to TensorBoard when asked or available.

    :param run_dir: the run's directory; created when missing. An existing metrics file
        is appended to (a resumed run).
    :param tensorboard: ``"auto"`` writes TensorBoard events to ``RUN_DIR/tensorboard``
        when ``torch.utils.tensorboard`` can be imported; ``True`` requires it; ``False``
        writes the JSONL file only.
    """

    def __init__(
        self, run_dir: str | os.PathLike[str], tensorboard: bool | Literal["auto"] = "auto"
    ):
        if not (isinstance(tensorboard, bool) or tensorboard == "auto"):
            raise InvalidArgumentError(
                f"tensorboard must be True, False or 'auto', got {shown(tensorboard)}"
            )
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.run_dir / METRICS_FILE
        _end_cleanly(self.path)
        self._writer = _summary_writer(self.run_dir / TENSORBOARD_DIR, tensorboard)
        self._file = self.path.open("a", encoding="utf-8")

    @property
    def tensorboard(self) -> bool:
        """Whether TensorBoard events are being written."""
        return self._writer is not None

    @property
    def closed(self) -> bool:
        return self._file.closed

    def log(self, step: int, metrics: Mapping[str, Any]) -> dict[str, Any]:
        """Append the metrics of ``step`` as one line; return the line as written.

        :param step: the training step, an int from 0.
        :param metrics: key to value; a value is an int, a float (NaN and infinity are
            written as ``null`` and listed in ``"nonfinite"``), ``None`` (not measured), or
            a one-element tensor or array. Keys are non-empty strings other than ``step``
            and ``nonfinite``.
        :raises InvalidArgumentError: for a bad step, key or value (nothing is written).
        """
        if self.closed:
            raise CogymError(f"this MetricsLogger of {self.path} is closed; make a new one")
        check_int("step", step, minimum=0)
        if not isinstance(metrics, Mapping):
            raise InvalidArgumentError(
                f"metrics must be a mapping of key to number, got {shown(metrics)}"
            )
        line: dict[str, Any] = {"step": step}
        nonfinite: list[str] = []
        for key, value in metrics.items():
            if not isinstance(key, str) or not key or key in RESERVED_KEYS:
                raise InvalidArgumentError(
                    f"metric keys must be non-empty strings other than 'step' and "
                    f"'nonfinite', got {shown(key)}"
                )
            number = _as_number(key, value)
            if isinstance(number, float) and not math.isfinite(number):
                nonfinite.append(key)
                number = None
            line[key] = number
        if nonfinite:
            line["nonfinite"] = nonfinite
        self._file.write(json.dumps(line, allow_nan=False) + "\n")
        self._file.flush()
        if self._writer is not None:
            for key, value in line.items():
                if key not in RESERVED_KEYS and value is not None:
                    self._writer.add_scalar(key, value, global_step=step)
            self._writer.flush()
        return line

    def close(self) -> None:
        """Close the file and the TensorBoard writer; calling it again does nothing."""
        self._file.close()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> MetricsLogger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def metrics_path(run_dir: str | os.PathLike[str]) -> Path:
    """The metrics file of ``run_dir``; a path to a ``.jsonl`` file is taken as the file.

    :raises InvalidArgumentError: when there is no such file, saying what to pass.
    """
    path = Path(run_dir)
    if path.is_file() and path.suffix == ".jsonl":
        return path
    if not path.is_dir():
        raise InvalidArgumentError(
            f"{path} is not a directory; pass the run directory of a training run "
            f"(the folder that holds {METRICS_FILE})"
        )
    if not (path / METRICS_FILE).is_file():
        raise InvalidArgumentError(
            f"{path} has no {METRICS_FILE}; pass the run directory that a training run "
            f"writes (its output_dir, holding {METRICS_FILE} and config.yaml)"
        )
    return path / METRICS_FILE


def read_metrics(run_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The lines of a run's metrics file, one per (step, kind), sorted by step.

    A line's kind is evaluation when all its metric keys start with ``eval/``
    (:func:`is_eval`), training otherwise; at one step the training line comes first.
    When a step's line of one kind appears more than once (a resumed run), the last one
    wins. A last line cut short by a killed run, and any other line that is not a JSON
    object with an int ``"step"`` from 0, are skipped with a :class:`MetricsWarning` naming its
    line number.

    :param run_dir: the run directory, or the metrics file itself.
    :raises InvalidArgumentError: when there is no metrics file.
    """
    path = metrics_path(run_dir)
    data = path.read_bytes()
    lines = data.split(b"\n")
    unterminated = len(lines) - 1  # the index of the piece after the last newline
    latest: dict[tuple[int, bool], dict[str, Any]] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        record = _parse_line(raw)
        if isinstance(record, str):
            if number - 1 == unterminated:  # an object is only cut short before its "}"
                record = "the last line has no newline and was cut short (a stopped run)"
            warnings.warn(f"{path}:{number}: skipped: {record}", MetricsWarning, stacklevel=2)
            continue
        latest[(record["step"], is_eval(record))] = record
    return [latest[key] for key in sorted(latest)]


def is_eval(record: Mapping[str, Any]) -> bool:
    """Whether a metrics line is an evaluation line: it has metrics, all ``eval/`` ones."""
    keys = [key for key in record if key not in RESERVED_KEYS]
    return bool(keys) and all(key.startswith(EVAL_PREFIX) for key in keys)


def _parse_line(raw: bytes) -> dict[str, Any] | str:
    """The line as a dict, or a string saying why it is not a metrics line."""
    try:
        record = json.loads(raw.decode("utf-8"), parse_constant=_nonstandard)
    except (UnicodeDecodeError, ValueError) as error:
        return f"not a JSON line ({error})"
    if not isinstance(record, dict):
        return "not a JSON object"
    step = record.get("step")
    if not (isinstance(step, int) and not isinstance(step, bool) and step >= 0):
        return f"'step' must be an int from 0, got {shown(step)}"
    return record


def _nonstandard(name: str) -> Any:
    raise ValueError(f"{name} is not standard JSON")


def _as_number(key: str, value: Any) -> int | float | None:
    """``value`` as a JSON-ready int or float (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    item = getattr(value, "item", None)  # a one-element torch tensor or numpy array
    if callable(item):
        try:
            inner = item()
        except (ValueError, RuntimeError):
            inner = None
        if isinstance(inner, numbers.Real):
            return _as_number(key, inner)
    raise InvalidArgumentError(
        f"metric {key!r} must be a number or None, got {type(value).__name__} {shown(value)}"
    )


def _end_cleanly(path: Path) -> None:
    """Cut off a last line without its newline (a killed run's), so the lines appended by a
    resumed run start on a line of their own; a complete last line only gets its newline."""
    if not path.is_file():
        return
    with path.open("rb+") as file:
        size = file.seek(0, os.SEEK_END)
        if size == 0:
            return
        file.seek(size - 1)
        if file.read(1) == b"\n":
            return
        file.seek(0)
        data = file.read()
        start = data.rfind(b"\n") + 1
        if isinstance(_parse_line(data[start:]), dict):
            file.write(b"\n")
            return
        file.truncate(start)
    warnings.warn(
        f"{path}: removed a last line without its newline (a stopped run was writing it)",
        MetricsWarning,
        stacklevel=3,
    )


def _summary_writer(log_dir: Path, tensorboard: bool | str) -> Any:
    """A ``SummaryWriter`` for ``log_dir``, or ``None`` when TensorBoard is off or missing."""
    if tensorboard is False:
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as error:
        if tensorboard == "auto":
            return None
        raise InvalidArgumentError(
            f"tensorboard=True needs torch and tensorboard: pip install tensorboard, "
            f"or pass tensorboard=False ({error})"
        ) from None
    return SummaryWriter(log_dir=str(log_dir))
