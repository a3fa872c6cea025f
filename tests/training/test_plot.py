"""plot_run and ``cogym plot``: PNG files drawn from a run's metrics.jsonl."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from cogym.cli import main
from cogym.core.errors import InvalidArgumentError
from cogym.training.metrics import METRICS_FILE, MetricsLogger, MetricsWarning, read_metrics
from cogym.training.plot import CURVES_FILE, PLOTS_DIR, plot_run, series

image = pytest.importorskip("matplotlib.image")

ENVS = ("cogym/Countdown-Easy-v0", "cogym/Math-v0")
PANEL_WIDTH_PX = 500  # 5 inches at 100 dpi


def training_metrics(step: int) -> dict:
    metrics = {
        "reward_mean": step / 10,
        "reward_std": 0.2,
        "success_rate": step / 12,
        "kl": 0.01 * step,
        "entropy": 1.0 - step / 20,
        "clip_frac_low": 0.01,
        "clip_frac_high": 0.02,
        "clip_frac_cap": None,
        "logprob_gap_max": 0.1,
        "step_time_s": 3.0,
        "time/generation_s": 2.0,
        "time/scoring_s": 0.2,
        "time/backward_s": 0.8,
        "generated_tokens_per_s": 1000.0 + step,
        "loss": math.nan if step == 4 else 0.1,
    }
    for index, env in enumerate(ENVS):
        metrics[f"success_rate/{env}"] = (step + index) / 12
    return metrics


@pytest.fixture
def run_dir(tmp_path):
    run = tmp_path / "run"
    with MetricsLogger(run, tensorboard=False) as logger:
        for step in range(10):
            logger.log(step, training_metrics(step))
            if step % 5 == 0:
                logger.log(
                    step,
                    {
                        "eval/reward_mean": 0.5,
                        "eval/success_rate": 0.4,
                        "eval/reward_ci_low": 0.4,
                        "eval/reward_ci_high": 0.6,
                    },
                )
    return run


def drawn_fraction(path) -> float:
    """The share of pixels that are not white."""
    pixels = image.imread(path)[..., :3]
    return float(np.mean(np.any(pixels < 0.95, axis=-1)))


def test_curves_png_is_a_grid_of_the_main_panels(run_dir):
    paths = plot_run(run_dir)
    assert paths == [run_dir / PLOTS_DIR / CURVES_FILE]
    pixels = image.imread(paths[0])
    height, width, channels = pixels.shape
    assert channels in (3, 4)
    assert width == 3 * PANEL_WIDTH_PX  # three columns
    assert height > 3 * 300  # several rows
    assert 0.05 < drawn_fraction(paths[0]) < 0.9  # drawn on, not blank, not a solid block


def test_panels_without_data_are_left_out(tmp_path):
    with MetricsLogger(tmp_path, tensorboard=False) as logger:
        for step in range(5):
            logger.log(step, {"reward_mean": step / 5, "kl": None})
    (path,) = plot_run(tmp_path, out_dir=tmp_path / "out")
    assert path == tmp_path / "out" / CURVES_FILE
    height, width, _ = image.imread(path).shape
    assert width == PANEL_WIDTH_PX  # only the reward panel: kl was never measured
    assert drawn_fraction(path) > 0.02


def test_a_metric_that_is_only_ever_nan_still_gets_its_panel(tmp_path):
    with MetricsLogger(tmp_path, tensorboard=False) as logger:
        for step in range(3):
            logger.log(step, {"reward_mean": 0.5, "loss": math.nan})
    (path,) = plot_run(tmp_path)
    assert image.imread(path).shape[1] == 2 * PANEL_WIDTH_PX  # reward and loss


def test_keys_draw_one_png_each_with_safe_names(run_dir, tmp_path):
    paths = plot_run(run_dir, out_dir=tmp_path / "out", keys=["success_rate/*", "kl", "kl"])
    names = [path.name for path in paths]
    assert names == [
        CURVES_FILE,
        "success_rate_cogym_Countdown-Easy-v0.png",
        "success_rate_cogym_Math-v0.png",
        "kl.png",
    ]
    for path in paths[1:]:
        assert image.imread(path).shape[:2] == (400, 700)
        assert drawn_fraction(path) > 0.02


def test_a_key_that_matches_nothing_lists_the_keys(run_dir):
    with pytest.raises(InvalidArgumentError, match=r"no metric in .* matches 'rewrd'.*reward_mean"):
        plot_run(run_dir, keys=["rewrd"])


def test_metrics_curves_does_not_show_can_still_be_drawn_by_key(tmp_path):
    with MetricsLogger(tmp_path, tensorboard=False) as logger:
        logger.log(0, {"my_metric": 1.0})
        logger.log(1, {"my_metric": 2.0})
    with pytest.raises(InvalidArgumentError, match="its keys are my_metric: pass them as keys"):
        plot_run(tmp_path)
    assert [p.name for p in plot_run(tmp_path, keys=["my_metric"])] == ["my_metric.png"]


def test_a_cut_short_last_line_is_skipped_with_a_warning(run_dir):
    with (run_dir / METRICS_FILE).open("a") as file:
        file.write('{"step": 10, "reward_me')
    with pytest.warns(MetricsWarning, match="cut short"):
        (path,) = plot_run(run_dir)
    assert drawn_fraction(path) > 0.05


def test_a_dir_without_metrics_says_what_to_pass(tmp_path):
    with pytest.raises(
        InvalidArgumentError, match=r"has no metrics\.jsonl; pass the run directory"
    ):
        plot_run(tmp_path)
    assert not (tmp_path / PLOTS_DIR).exists()


def test_a_metrics_file_without_a_complete_line_says_to_wait(tmp_path):
    (tmp_path / METRICS_FILE).write_text("")
    with pytest.raises(InvalidArgumentError, match="no complete metrics line yet"):
        plot_run(tmp_path)


def test_cli_plot_prints_the_written_paths(run_dir, tmp_path, capsys):
    out = tmp_path / "pngs"
    assert main(["plot", str(run_dir), "--out", str(out), "--key", "loss"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(out / CURVES_FILE), str(out / "loss.png")]
    assert all(drawn_fraction(path) > 0.02 for path in printed)


def test_cli_plot_notes_a_skipped_line_on_stderr(run_dir, capsys):
    complete = len((run_dir / METRICS_FILE).read_text().splitlines())
    with (run_dir / METRICS_FILE).open("a") as file:
        file.write('{"step": 10')
    assert main(["plot", str(run_dir)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(run_dir / PLOTS_DIR / CURVES_FILE)
    assert f"{METRICS_FILE}:{complete + 1}: skipped" in captured.err


def test_cli_plot_of_a_dir_without_metrics_fails_with_code_2(tmp_path, capsys):
    assert main(["plot", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "error:" in captured.err and "has no metrics.jsonl" in captured.err


def test_duplicate_steps_plot_the_last_line(tmp_path):
    lines = [{"step": s, "reward_mean": 0.0} for s in range(4)]
    lines += [{"step": s, "reward_mean": 1.0} for s in range(2, 4)]  # a resumed run
    (tmp_path / METRICS_FILE).write_text("".join(json.dumps(line) + "\n" for line in lines))
    line = series(read_metrics(tmp_path), "reward_mean")
    assert (line.steps, line.values) == ([0, 1, 2, 3], [0.0, 0.0, 1.0, 1.0])
    assert plot_run(tmp_path)[0].is_file()
