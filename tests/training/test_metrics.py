"""MetricsLogger and read_metrics: one standard JSON line per step, NaN kept visible,
TensorBoard alongside, and reading that survives killed and resumed runs."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from cogym.core.errors import CogymError, InvalidArgumentError
from cogym.training.metrics import (
    METRICS_FILE,
    TENSORBOARD_DIR,
    MetricsLogger,
    MetricsWarning,
    is_eval,
    read_metrics,
)


def strict_lines(path) -> list[dict]:
    """Every line of the file, read as standard JSON (NaN/Infinity refused)."""

    def refuse(name):
        raise AssertionError(f"{name} in the metrics file")

    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(line, parse_constant=refuse) for line in text.splitlines()]


def test_each_log_appends_one_flushed_line(tmp_path):
    with MetricsLogger(tmp_path / "run", tensorboard=False) as logger:
        logger.log(0, {"reward_mean": 0.25, "episode_turns": 3})
        # read while the logger is still open: the line is already on disk
        assert strict_lines(logger.path) == [{"step": 0, "reward_mean": 0.25, "episode_turns": 3}]
        logger.log(1, {"reward_mean": 0.5, "success_rate/cogym/Countdown-Easy-v0": 1.0})
    assert strict_lines(tmp_path / "run" / METRICS_FILE)[1] == {
        "step": 1,
        "reward_mean": 0.5,
        "success_rate/cogym/Countdown-Easy-v0": 1.0,
    }


def test_nonfinite_values_are_written_as_null_and_listed(tmp_path):
    with MetricsLogger(tmp_path, tensorboard=False) as logger:
        line = logger.log(3, {"loss": math.nan, "kl": math.inf, "grad_norm": -math.inf, "x": 1.0})
    assert line == {
        "step": 3,
        "loss": None,
        "kl": None,
        "grad_norm": None,
        "x": 1.0,
        "nonfinite": ["loss", "kl", "grad_norm"],
    }
    assert strict_lines(tmp_path / METRICS_FILE) == [line]


def test_none_means_not_measured_and_is_not_nonfinite(tmp_path):
    with MetricsLogger(tmp_path, tensorboard=False) as logger:
        line = logger.log(0, {"kl": None, "entropy": 1.5})
    assert line == {"step": 0, "kl": None, "entropy": 1.5}


def test_numpy_and_torch_scalars_and_bools_are_written_as_numbers(tmp_path):
    torch = pytest.importorskip("torch")
    with MetricsLogger(tmp_path, tensorboard=False) as logger:
        line = logger.log(
            0,
            {
                "a": np.float32(0.5),
                "b": np.int64(7),
                "c": torch.tensor(2.0),
                "d": True,
                "e": np.array(float("nan")),
            },
        )
    assert line == {"step": 0, "a": 0.5, "b": 7, "c": 2.0, "d": 1, "e": None, "nonfinite": ["e"]}
    assert type(line["b"]) is int and type(line["a"]) is float
    assert strict_lines(tmp_path / METRICS_FILE) == [line]


@pytest.mark.parametrize(
    ("step", "metrics", "words"),
    [
        (-1, {"loss": 1.0}, "step must be"),
        (True, {"loss": 1.0}, "step must be"),
        ("3", {"loss": 1.0}, "step must be"),
        (0, {"step": 1.0}, "metric keys must be"),
        (0, {"": 1.0}, "metric keys must be"),
        (0, {"loss": "low"}, "metric 'loss' must be a number or None"),
        (0, {"loss": [1.0, 2.0]}, "metric 'loss' must be a number or None"),
        (0, [("loss", 1.0)], "metrics must be a mapping"),
    ],
)
def test_bad_steps_keys_and_values_raise_and_write_nothing(tmp_path, step, metrics, words):
    with (
        MetricsLogger(tmp_path, tensorboard=False) as logger,
        pytest.raises(InvalidArgumentError, match=words),
    ):
        logger.log(step, metrics)
    assert (tmp_path / METRICS_FILE).read_text() == ""


def test_log_after_close_says_to_make_a_new_logger(tmp_path):
    logger = MetricsLogger(tmp_path, tensorboard=False)
    logger.close()
    logger.close()  # a second close does nothing
    with pytest.raises(CogymError, match="closed; make a new one"):
        logger.log(0, {"loss": 1.0})


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_tensorboard_takes_true_false_or_auto(tmp_path, value):
    with pytest.raises(InvalidArgumentError, match="tensorboard must be True, False or 'auto'"):
        MetricsLogger(tmp_path, tensorboard=value)


def test_tensorboard_gets_the_same_scalars(tmp_path):
    pytest.importorskip("tensorboard")
    accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    ).EventAccumulator
    with MetricsLogger(tmp_path, tensorboard=True) as logger:
        assert logger.tensorboard
        logger.log(0, {"loss": 0.5, "kl": math.nan, "eval/reward_mean": None})
        logger.log(1, {"loss": 0.25, "kl": 0.125})
    events = accumulator(str(tmp_path / TENSORBOARD_DIR))
    events.Reload()
    scalars = events.Tags()["scalars"]
    assert sorted(scalars) == ["kl", "loss"]  # null and NaN values are left out
    assert [(e.step, e.value) for e in events.Scalars("loss")] == [(0, 0.5), (1, 0.25)]
    assert [(e.step, e.value) for e in events.Scalars("kl")] == [(1, 0.125)]


def test_auto_tensorboard_is_on_when_installed_and_false_writes_none(tmp_path):
    pytest.importorskip("torch.utils.tensorboard")
    with MetricsLogger(tmp_path / "auto") as logger:
        assert logger.tensorboard
    with MetricsLogger(tmp_path / "off", tensorboard=False) as logger:
        assert not logger.tensorboard
        logger.log(0, {"loss": 1.0})
    assert not (tmp_path / "off" / TENSORBOARD_DIR).exists()


def write(path, text: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / METRICS_FILE).write_text(text, encoding="utf-8")


def test_read_skips_a_cut_short_last_line_with_a_warning(tmp_path):
    write(tmp_path, '{"step": 0, "loss": 1.0}\n{"step": 1, "loss": 0.5}\n{"step": 2, "lo')
    with pytest.warns(MetricsWarning, match=rf"{METRICS_FILE}:3: skipped.*cut short"):
        records = read_metrics(tmp_path)
    assert records == [{"step": 0, "loss": 1.0}, {"step": 1, "loss": 0.5}]


def test_read_keeps_a_complete_last_line_without_newline(tmp_path):
    write(tmp_path, '{"step": 0, "loss": 1.0}\n{"step": 1, "loss": 0.5}')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [r["step"] for r in read_metrics(tmp_path)] == [0, 1]


def test_read_keeps_the_last_line_of_a_step_sorted_by_step(tmp_path):
    lines = [
        {"step": 0, "loss": 1.0},
        {"step": 1, "loss": 0.9},
        {"step": 2, "loss": 0.8},  # the first run stopped after step 2
        {"step": 1, "loss": 0.7},  # the resumed run restarts from step 1
        {"step": 2, "loss": 0.6},
    ]
    write(tmp_path, "".join(json.dumps(line) + "\n" for line in lines))
    assert read_metrics(tmp_path) == [
        {"step": 0, "loss": 1.0},
        {"step": 1, "loss": 0.7},
        {"step": 2, "loss": 0.6},
    ]


def test_eval_lines_are_kept_apart_from_training_lines_of_the_same_step(tmp_path):
    lines = [
        {"step": 10, "eval/reward_mean": 0.5, "eval/reward_ci_low": 0.4},
        {"step": 10, "reward_mean": 0.3},
        {"step": 5, "reward_mean": 0.1},
        {"step": 10, "eval/reward_mean": 0.6},  # evaluated again after a resume: it wins
    ]
    write(tmp_path, "".join(json.dumps(line) + "\n" for line in lines))
    records = read_metrics(tmp_path)
    assert records == [
        {"step": 5, "reward_mean": 0.1},
        {"step": 10, "reward_mean": 0.3},
        {"step": 10, "eval/reward_mean": 0.6},
    ]
    assert [is_eval(r) for r in records] == [False, False, True]


def test_read_skips_lines_that_are_not_metrics_lines_naming_each(tmp_path):
    write(
        tmp_path,
        '{"step": 0, "loss": 1.0}\n'
        "not json\n"
        '{"step": 1, "loss": NaN}\n'
        "[1, 2]\n"
        '{"loss": 0.5}\n'
        '{"step": -1, "loss": 0.5}\n'
        "\n"
        '{"step": 2, "loss": 0.25}\n',
    )
    with pytest.warns(MetricsWarning) as caught:
        records = read_metrics(tmp_path)
    assert [r["step"] for r in records] == [0, 2]
    where = [str(w.message).split(": skipped")[0].rsplit(":", 1)[1] for w in caught]
    assert where == ["2", "3", "4", "5", "6"]


def test_resuming_cuts_off_a_partial_line_before_appending(tmp_path):
    write(tmp_path, '{"step": 0, "loss": 1.0}\n{"step": 1, "lo')
    with pytest.warns(MetricsWarning, match="removed a last line"):
        logger = MetricsLogger(tmp_path, tensorboard=False)
    with logger:
        logger.log(1, {"loss": 0.5})
    assert strict_lines(tmp_path / METRICS_FILE) == [
        {"step": 0, "loss": 1.0},
        {"step": 1, "loss": 0.5},
    ]


def test_resuming_after_a_complete_line_without_newline_keeps_it(tmp_path):
    write(tmp_path, '{"step": 0, "loss": 1.0}')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with MetricsLogger(tmp_path, tensorboard=False) as logger:
            logger.log(1, {"loss": 0.5})
    assert [line["step"] for line in strict_lines(tmp_path / METRICS_FILE)] == [0, 1]


def test_read_takes_the_run_dir_or_the_file(tmp_path):
    with MetricsLogger(tmp_path, tensorboard=False) as logger:
        logger.log(0, {"loss": 1.0})
    expected = [{"step": 0, "loss": 1.0}]
    assert read_metrics(tmp_path) == read_metrics(tmp_path / METRICS_FILE) == expected


def test_a_dir_without_metrics_says_what_to_pass(tmp_path):
    with pytest.raises(
        InvalidArgumentError, match=r"has no metrics\.jsonl; pass the run directory"
    ):
        read_metrics(tmp_path)
    with pytest.raises(InvalidArgumentError, match="is not a directory"):
        read_metrics(tmp_path / "missing")
