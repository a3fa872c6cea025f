"""PNG plots of a training run's ``metrics.jsonl`` (``cogym plot RUN_DIR``).

:func:`plot_run` draws ``curves.png``: a grid of the main panels (reward, success rate
overall and per env, evaluation with confidence intervals, KL, entropy, clip fractions,
log-prob gap, time per step, throughput, loss...), leaving out panels with no data, and
optionally one PNG per metric key. Steps where a metric was NaN or infinite are marked
with a red ``x`` at the bottom of its panel. matplotlib draws off-screen (Agg); pyplot is
never imported, so no display is needed and no global figure state is kept.
"""

from __future__ import annotations

import fnmatch
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cogym.core.errors import InvalidArgumentError
from cogym.training.metrics import EVAL_PREFIX, RESERVED_KEYS, metrics_path, read_metrics

#: The file name of the grid of main panels.
CURVES_FILE = "curves.png"
#: The folder, inside the run directory, that plots go to by default.
PLOTS_DIR = "plots"
#: The parts of a step's time, drawn stacked in this order (other ``time/`` keys follow).
TIME_PARTS = ("time/generation_s", "time/scoring_s", "time/backward_s")

_COLUMNS = 3
_PANEL_SIZE = (5.0, 3.3)  # inches
_TITLE_IN = 0.4  # inches above the grid for the run's title
_DPI = 100
#: Below this many points a line also shows its points as dots.
_DOTS_BELOW = 60

Records = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Series:
    """One metric over the steps that logged it; ``nan`` where it was ``null``."""

    key: str
    steps: list[int]
    values: list[float]
    nonfinite_steps: list[int]

    @property
    def has_data(self) -> bool:
        """Whether there is anything to draw: a finite value or a NaN/inf mark."""
        return bool(self.nonfinite_steps) or any(math.isfinite(v) for v in self.values)


def series(records: Records, key: str) -> Series:
    """The values of ``key`` by step (the last line of a step wins); numbers only."""
    by_step: dict[int, float] = {}
    nonfinite: set[int] = set()
    for record in records:
        if key not in record:
            continue
        step = record["step"]
        value = record[key]
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        by_step[step] = float(value) if is_number else math.nan
        if key in (record.get("nonfinite") or ()):
            nonfinite.add(step)
        else:
            nonfinite.discard(step)
    steps = sorted(by_step)
    return Series(key, steps, [by_step[s] for s in steps], sorted(nonfinite))


def metric_keys(records: Records) -> list[str]:
    """Every metric key in the records, in first-seen order."""
    keys: dict[str, None] = {}
    for record in records:
        for key in record:
            if key not in RESERVED_KEYS:
                keys.setdefault(key, None)
    return list(keys)


def plot_run(
    run_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    keys: Sequence[str] | None = None,
) -> list[Path]:
    """Draw a run's metrics to PNG files; return their paths, ``curves.png`` first.

    :param run_dir: the run directory (holding ``metrics.jsonl``), or the file itself.
    :param out_dir: where the PNG files go (created when missing); default
        ``RUN_DIR/plots``.
    :param keys: metric keys, or globs such as ``"success_rate/*"``, each matching key
        also drawn alone to ``<key>.png`` (``/`` and other odd characters become ``_``).
    :raises InvalidArgumentError: when there is no metrics file, no complete line in it,
        nothing to draw, or a key that matches no metric.
    """
    _require_matplotlib()
    path = metrics_path(run_dir)
    records = read_metrics(path)
    if not records:
        raise InvalidArgumentError(
            f"{path} has no complete metrics line yet; plot again once the run has logged a step"
        )
    available = metric_keys(records)
    chosen = _match_keys(keys or (), available, path)
    out = Path(out_dir) if out_dir is not None else path.parent / PLOTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    figure = _curves_figure(records, title=f"{path.parent.name}: steps {_step_span(records)}")
    if figure is not None:
        written.append(_save(figure, out / CURVES_FILE))
    elif not chosen:
        raise InvalidArgumentError(
            f"{path} holds none of the metrics that {CURVES_FILE} shows (reward_mean, "
            f"success_rate, kl, ...); its keys are {', '.join(available) or 'none'}: pass "
            "them as keys (cogym plot --key KEY) for one PNG each"
        )
    used: set[str] = set()
    for key in chosen:
        written.append(_save(_key_figure(records, key), out / _file_name(key, used)))
    return written


# -- panels -----------------------------------------------------------------------------

#: A panel draws on its axes and returns the series it drew (an empty list: no data).
Draw = Callable[[Any, Records], list[Series]]


def _panels() -> list[tuple[str, Draw]]:
    return [
        ("reward", _draw_reward),
        ("success rate", _draw_success),
        ("eval reward", _draw_eval("reward_mean", "reward")),
        ("eval success rate", _draw_eval("success_rate", "success")),
        ("KL to reference", _draw_lines("kl")),
        ("entropy", _draw_lines("entropy")),
        ("clipped fraction", _draw_lines("clip_frac_low", "clip_frac_high", "clip_frac_cap")),
        ("zero-variance groups", _draw_lines("zero_variance_fraction")),
        ("max log-prob gap (sampler vs trainer)", _draw_lines("logprob_gap_max")),
        ("time per step (s)", _draw_time),
        ("generated tokens/s", _draw_lines("generated_tokens_per_s")),
        ("episode turns", _draw_lines("episode_turns")),
        ("episode tokens", _draw_lines("episode_tokens")),
        ("loss", _draw_lines("loss")),
        ("grad norm", _draw_lines("grad_norm")),
        ("learning rate", _draw_lines("learning_rate")),
    ]


def _draw_reward(ax: Any, records: Records) -> list[Series]:
    drawn = _per_env(ax, records, "reward_mean")
    mean = series(records, "reward_mean")
    if not mean.has_data:
        return drawn
    std = dict(zip(*_finite(series(records, "reward_std")), strict=True))
    band = [(s, v, std[s]) for s, v in zip(mean.steps, mean.values, strict=True) if s in std]
    if band:
        steps, values, spread = zip(*band, strict=True)
        ax.fill_between(
            steps,
            [v - d for v, d in zip(values, spread, strict=True)],
            [v + d for v, d in zip(values, spread, strict=True)],
            alpha=0.2,
            color="C0",
            label="± std",
        )
    _line(ax, mean, label="mean", color="C0", linewidth=2)
    return [mean, *drawn]


def _draw_success(ax: Any, records: Records) -> list[Series]:
    drawn = _per_env(ax, records, "success_rate")
    overall = series(records, "success_rate")
    if overall.has_data:
        _line(ax, overall, label="all envs", color="black", linewidth=2)
        drawn.insert(0, overall)
    if drawn:
        ax.set_ylim(-0.03, 1.03)
    return drawn


def _draw_eval(name: str, short: str) -> Draw:
    """Draw ``eval/<name>`` with ``eval/<short>_ci_low``/``_ci_high`` as error bars, and
    ``eval/<name>/<env>`` per env."""

    def draw(ax: Any, records: Records) -> list[Series]:
        drawn = _per_env(ax, records, EVAL_PREFIX + name)
        mean = series(records, EVAL_PREFIX + name)
        if not mean.has_data:
            return drawn
        low = dict(zip(*_finite(series(records, f"{EVAL_PREFIX}{short}_ci_low")), strict=True))
        high = dict(zip(*_finite(series(records, f"{EVAL_PREFIX}{short}_ci_high")), strict=True))
        below = [max(v - low.get(s, v), 0.0) for s, v in zip(mean.steps, mean.values, strict=True)]
        above = [max(high.get(s, v) - v, 0.0) for s, v in zip(mean.steps, mean.values, strict=True)]
        label = "mean (95% CI)" if low or high else "mean"
        ax.errorbar(
            mean.steps, mean.values, yerr=[below, above], color="C0", marker="o",
            markersize=3, capsize=3, linewidth=2, label=label,
        )  # fmt: skip
        return [mean, *drawn]

    return draw


def _draw_lines(*keys: str) -> Draw:
    def draw(ax: Any, records: Records) -> list[Series]:
        drawn = [s for s in (series(records, key) for key in keys) if s.has_data]
        for index, line in enumerate(drawn):
            _line(ax, line, label=line.key, color=f"C{index}")
        return drawn

    return draw


def _draw_time(ax: Any, records: Records) -> list[Series]:
    others = sorted(
        k for k in metric_keys(records) if k.startswith("time/") and k not in TIME_PARTS
    )
    parts = [s for s in (series(records, k) for k in (*TIME_PARTS, *others)) if s.has_data]
    if parts:
        steps = sorted({step for part in parts for step in part.steps})
        stacked = []
        for part in parts:
            value = dict(zip(part.steps, part.values, strict=True))
            stacked.append([_or_zero(value.get(step)) for step in steps])
        labels = [part.key.removeprefix("time/").removesuffix("_s") for part in parts]
        ax.stackplot(steps, *stacked, labels=labels, alpha=0.7)
    total = series(records, "step_time_s")
    if total.has_data:
        _line(ax, total, label="step total", color="black", linewidth=1.5)
        parts.append(total)
    return parts


def _per_env(ax: Any, records: Records, prefix: str) -> list[Series]:
    """Thin lines for every ``<prefix>/<env id>`` key."""
    keys = sorted(k for k in metric_keys(records) if k.startswith(prefix + "/"))
    drawn = [s for s in (series(records, key) for key in keys) if s.has_data]
    for index, line in enumerate(drawn, start=1):
        label = line.key.removeprefix(prefix + "/").removeprefix("cogym/")
        _line(ax, line, label=label, color=f"C{index % 10}", linewidth=1, alpha=0.8)
    return drawn


# -- drawing ----------------------------------------------------------------------------


def _curves_figure(records: Records, title: str) -> Any:
    """The grid of panels with data, or ``None`` when no panel has any."""
    from matplotlib.figure import Figure

    figure = Figure(dpi=_DPI)
    _agg_canvas(figure)
    drawn: list[tuple[Any, list[Series]]] = []
    for name, draw in _panels():
        ax = figure.add_subplot()
        lines = draw(ax, records)
        if not lines:
            figure.delaxes(ax)
            continue
        ax.set_title(name, fontsize=10)
        drawn.append((ax, lines))
    if not drawn:
        return None
    rows = math.ceil(len(drawn) / _COLUMNS)
    columns = min(len(drawn), _COLUMNS)
    width, height = _PANEL_SIZE[0] * columns, _PANEL_SIZE[1] * rows + _TITLE_IN
    figure.set_size_inches(width, height)
    # fixed margins in inches: a layout engine would draw the grid twice to measure it
    grid = figure.add_gridspec(
        rows,
        columns,
        left=0.7 / width,
        right=1 - 0.2 / width,
        bottom=0.5 / height,
        top=1 - (_TITLE_IN + 0.25) / height,
        hspace=0.45,
        wspace=0.3,
    )
    for index, (ax, lines) in enumerate(drawn):
        ax.set_subplotspec(grid[index // columns, index % columns])
        _finish(ax, lines)
    figure.suptitle(title, y=1 - 0.1 / height, va="top")
    return figure


def _key_figure(records: Records, key: str) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 4.0), dpi=_DPI)
    _agg_canvas(figure)
    ax = figure.add_subplot()
    line = series(records, key)
    _line(ax, line, label=key, color="C0")
    ax.set_title(key, fontsize=10)
    _finish(ax, [line])
    figure.subplots_adjust(left=0.1, right=0.97, bottom=0.12, top=0.92)
    return figure


def _finish(ax: Any, lines: Iterable[Series]) -> None:
    """Step axis, NaN/inf marks, grid and legend."""
    nonfinite = sorted({step for line in lines for step in line.nonfinite_steps})
    if nonfinite:
        ax.plot(
            nonfinite, [0.0] * len(nonfinite), "x", color="red", markersize=7, clip_on=False,
            transform=ax.get_xaxis_transform(), label="NaN/inf",
        )  # fmt: skip
    ax.set_xlabel("step", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    handles, _ = ax.get_legend_handles_labels()
    if len(handles) > 1:
        ax.legend(fontsize="x-small", ncol=2 if len(handles) > 6 else 1)


def _line(ax: Any, line: Series, **style: Any) -> None:
    dots = len(line.steps) < _DOTS_BELOW
    ax.plot(line.steps, line.values, marker="o" if dots else None, markersize=3, **style)


def _agg_canvas(figure: Any) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)


def _save(figure: Any, path: Path) -> Path:
    figure.savefig(path, dpi=_DPI)
    return path


# -- helpers ----------------------------------------------------------------------------


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InvalidArgumentError(
            "plotting needs matplotlib: pip install 'cogym[train]' or pip install matplotlib"
        ) from None


def _finite(line: Series) -> tuple[list[int], list[float]]:
    pairs = [(s, v) for s, v in zip(line.steps, line.values, strict=True) if math.isfinite(v)]
    return [s for s, _ in pairs], [v for _, v in pairs]


def _or_zero(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else 0.0


def _step_span(records: Records) -> str:
    first, last = records[0]["step"], records[-1]["step"]
    return str(first) if first == last else f"{first}-{last}"


def _match_keys(patterns: Iterable[str], available: Sequence[str], path: Path) -> list[str]:
    """The keys matching each pattern, in order, each once."""
    chosen: dict[str, None] = {}
    for pattern in patterns:
        found = [key for key in available if fnmatch.fnmatchcase(key, pattern)]
        if not found:
            raise InvalidArgumentError(
                f"no metric in {path} matches {pattern!r}; its keys are "
                f"{', '.join(available) or 'none'}"
            )
        chosen.update(dict.fromkeys(found))
    return list(chosen)


def _file_name(key: str, used: set[str]) -> str:
    """A file name for ``key``'s PNG: odd characters become ``_``; never one used before."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._") or "metric"
    name, count = f"{stem}.png", 1
    while name in used or name == CURVES_FILE:
        count += 1
        name = f"{stem}_{count}.png"
    used.add(name)
    return name
