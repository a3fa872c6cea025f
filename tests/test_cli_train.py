"""`cogym train grpo`: a run from a YAML file with overrides, a line per step, checkpoints,
resume, Ctrl-C, and one-line errors before the model loads."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cogym
from cogym.cli import check_train_envs, main, train_step_line
from cogym.training import GRPOConfig
from cogym.training.schedule import tasks_per_env
from tests.processes import ctrl_c_when
from tests.training.toy_envs import DIGITS, DIGITS_ID

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("grpo_*.yaml"))


@pytest.fixture
def digits_family():
    """The trainer tests' toy digits family, registered for one test."""
    cogym.register_family(DIGITS)
    yield DIGITS
    cogym.unregister_family(DIGITS)


def write_config(tmp_path: Path, model: str | Path, **fields: object) -> Path:
    settings: dict[str, object] = {
        "model": str(model),
        "device": "cpu",
        "envs": [{"id": DIGITS_ID, "kwargs": {"max_turns": 1}}],
        "group_size": 2,
        "tasks_per_step": 2,
        "max_new_tokens_per_turn": 4,
        "max_tokens_per_episode": 8,
        "learning_rate": 1e-3,
        "total_steps": 10,
        "output_dir": str(tmp_path / "run"),
        "seed": 1,
    }
    settings.update(fields)
    path = tmp_path / "run.yaml"
    path.write_text(json.dumps(settings), encoding="utf-8")  # JSON is YAML
    return path


def metrics_lines(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def step_numbers(out: str) -> list[int]:
    return [int(match) for match in re.findall(r"^step +(\d+)  reward ", out, re.MULTILINE)]


@pytest.mark.usefixtures("digits_family")
def test_train_logs_a_line_per_step_checkpoints_and_resumes(tiny_model_dir, tmp_path, capsys):
    config = write_config(tmp_path, tiny_model_dir)
    run_dir = tmp_path / "run"
    argv = ["train", "grpo", "--config", str(config), "total_steps=2", "checkpoint_every=1"]
    assert main([*argv, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert step_numbers(out) == [0, 1]
    assert "G=2 x 2 tasks" in out and DIGITS_ID in out and str(run_dir) in out
    assert f"cogym plot {run_dir}" in out and str(run_dir / "metrics.jsonl") in out
    assert [line["step"] for line in metrics_lines(run_dir)] == [0, 1]
    for step in (1, 2):
        assert (run_dir / "checkpoints" / f"step_{step:06d}" / "state.pt").is_file()

    argv[4] = "total_steps=3"
    assert main([*argv, "--resume", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert step_numbers(out) == [2]
    assert [line["step"] for line in metrics_lines(run_dir)] == [0, 1, 2]
    assert (run_dir / "checkpoints" / "step_000003" / "state.pt").is_file()


@pytest.mark.usefixtures("digits_family")
def test_steps_trains_that_many_saves_and_says_how_to_resume(tiny_model_dir, tmp_path, capsys):
    config = write_config(tmp_path, tiny_model_dir, total_steps=3)
    argv = ["train", "grpo", "--config", str(config), "--steps", "1", "--quiet"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert step_numbers(captured.out) == [0]
    assert (tmp_path / "run" / "checkpoints" / "step_000001" / "state.pt").is_file()
    assert "stopped by --steps 1 after 1 of 3 steps" in captured.err
    assert "--resume" in captured.err

    # `--resume PATH` takes a checkpoint folder; a bare override after it is an override
    folder = tmp_path / "run" / "checkpoints" / "step_000001"
    resumed = ["train", "grpo", "--config", str(config), "--resume", str(folder), "--quiet"]
    assert main([*resumed, "--steps", "1"]) == 0
    assert step_numbers(capsys.readouterr().out) == [1]
    assert main(["train", "grpo", "--config", str(config), "--quiet", "--resume", "seed=1"]) == 0
    assert step_numbers(capsys.readouterr().out) == [2]
    assert len(metrics_lines(tmp_path / "run")) == 3


def test_kuhn_self_play_trains_a_step_from_the_example(tiny_model_dir, tmp_path, capsys):
    argv = [
        "train",
        "grpo",
        "--config",
        str(ROOT / "examples" / "grpo_kuhn_selfplay.yaml"),
        f"model={tiny_model_dir}",
        "total_steps=1",
        "group_size=2",
        "tasks_per_step=1",
        "gradient_accumulation_steps=1",
        "max_new_tokens_per_turn=4",
        "max_tokens_per_episode=8",
        f"output_dir={tmp_path / 'kuhn'}",
        "--quiet",
    ]
    assert main(argv) == 0
    assert step_numbers(capsys.readouterr().out) == [0]
    assert metrics_lines(tmp_path / "kuhn")[0]["episodes"] == 4  # 2 games, 2 seats each


@pytest.mark.usefixtures("digits_family")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["learnin_rate=1e-5"], "learnin_rate"),
        (["lora.rr=8"], "lora.rr"),
        (["group_size=1"], "group_size"),
        (["envs.0.id=cogym/Nope-v0"], "unknown env id 'cogym/Nope-v0'"),
        (["envs.0.kwargs.turns=3"], "envs.0"),
        (["envs.0.self_play=true"], "self_play"),
        (["tasks_per_step=1", "envs=[cogym/ToyDigits-v0, cogym/Countdown-v0]"], "no task"),
        (["--steps", "0"], "--steps must be >= 1"),
        (["--resume"], "holds no checkpoint"),
        (["--resume", "nowhere"], "holds no checkpoint"),
    ],
)
def test_impossible_settings_fail_in_one_line_before_the_model_loads(
    args, message, tmp_path, capsys
):
    # the model path does not exist: an error about it would mean the model was loaded first
    config = write_config(tmp_path, tmp_path / "no-model")
    assert main(["train", "grpo", "--config", str(config), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "no-model" not in err


def test_a_missing_config_file_is_one_line(tmp_path, capsys):
    assert main(["train", "grpo", "--config", str(tmp_path / "nope.yaml")]) == 2
    err = capsys.readouterr().err
    assert "nope.yaml" in err and len(err.strip().splitlines()) == 1


@pytest.mark.usefixtures("digits_family")
def test_a_new_run_refuses_a_folder_that_holds_one(tmp_path, capsys):
    config = write_config(tmp_path, tmp_path / "no-model")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.jsonl").write_text('{"step": 0}\n')
    assert main(["train", "grpo", "--config", str(config)]) == 2
    assert "already holds a run; pass --resume" in capsys.readouterr().err


def test_train_without_a_method_lists_grpo(capsys):
    assert main(["train"]) == 0
    out = capsys.readouterr().out
    assert "grpo" in out and "usage: cogym train" in out


def test_the_step_line_has_fixed_columns_and_dashes_for_missing_values():
    full = {
        "step": 3,
        "reward_mean": 0.5,
        "success_rate": 0.25,
        "zero_variance_fraction": 0.5,
        "kl": 0.001,
        "entropy": 2.5,
        "logprob_gap_max": 1e-6,
        "generated_tokens_per_s": 120.4,
        "step_time_s": 3.21,
    }
    line = train_step_line(full, total_steps=20, with_kl=True)
    assert line == (
        "step  3  reward  0.500  success  25.0%  zero-var 0.50  kl  1.00e-03  entropy  2.500"
        "  lp-gap 1.0e-06  tok/s    120  time   3.2s"
    )
    empty = train_step_line({"step": 3}, total_steps=20, with_kl=False)
    assert len(empty) == len(line) - len("  kl  1.00e-03") and "kl" not in empty


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_configs_are_valid(path):
    config = GRPOConfig.from_yaml(path)
    config.validate_envs()
    assert sum(tasks_per_env(config)) == config.tasks_per_step
    check_train_envs(config)  # each env (or game) builds with its kwargs


def test_the_examples_include_self_play_and_a_mix():
    names = {path.name for path in EXAMPLES}
    assert {"grpo_countdown.yaml", "grpo_kuhn_selfplay.yaml", "grpo_mix.yaml"} <= names
    mix = GRPOConfig.from_yaml(ROOT / "examples" / "grpo_mix.yaml")
    assert len(mix.envs) == 2 and mix.horizon_schedule and mix.lora is not None
    assert GRPOConfig.from_yaml(ROOT / "examples" / "grpo_kuhn_selfplay.yaml").envs[0].self_play


def test_first_ctrl_c_finishes_the_step_saves_and_says_how_to_resume(tiny_model_dir, tmp_path):
    config = write_config(tmp_path, tiny_model_dir, total_steps=100_000)
    run_dir = tmp_path / "run"
    script = (
        "import sys, cogym; from tests.training.toy_envs import DIGITS; "
        "cogym.register_family(DIGITS); from cogym.cli import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, "train", "grpo", "--config", str(config), "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    metrics = run_dir / "metrics.jsonl"
    stdout, stderr = ctrl_c_when(process, lambda: metrics.exists() and metrics.read_text())
    assert process.returncode == 130, stderr
    steps = len(metrics_lines(run_dir))
    assert step_numbers(stdout) == list(range(steps))
    assert (run_dir / "checkpoints" / f"step_{steps:06d}" / "state.pt").is_file()
    assert f"interrupted (Ctrl-C) after {steps} of 100000 steps" in stderr
    assert f"--config {config} --resume" in stderr and "Traceback" not in stderr
