"""benchmarks/grpo_cpu_demo.py runs end to end on a tiny model, so it cannot rot."""

from __future__ import annotations

import json

import pytest

from tests.benchmark_scripts import load_benchmark

pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")


def test_the_cpu_demo_evaluates_trains_and_reports_the_rise(
    tiny_model_dir, tmp_path, monkeypatch, digits_family
):
    from tests.training.toy_envs import DIGITS_ID

    demo = load_benchmark("grpo_cpu_demo", monkeypatch)
    out = tmp_path / "demo.json"
    result = demo.main(
        [
            "--model", str(tiny_model_dir), "--env", DIGITS_ID, "--steps", "2",
            "--eval-episodes", "6", "--eval-batch", "4", "--group-size", "2",
            "--tasks-per-step", "2", "--max-new-tokens", "4", "--learning-rate", "1e-3",
            "--run-dir", str(tmp_path / "run"), "--out", str(out),
        ]
    )  # fmt: skip
    saved = json.loads(out.read_text())
    assert saved["steps_trained"] == 2 == len(saved["curve"])
    assert saved["before"]["eval/episodes"] == saved["after"]["eval/episodes"] == 6
    rise = saved["rise"]["reward"]
    delta = saved["after"]["eval/reward_mean"] - saved["before"]["eval/reward_mean"]
    assert rise["delta"] == pytest.approx(delta) and rise["ci_low"] <= delta <= rise["ci_high"]
    seconds = saved["seconds"]
    assert (
        seconds["train"] > 0 and seconds["train_generation"] > 0 and seconds["train_backward"] > 0
    )
    assert out.with_suffix(".png").stat().st_size > 10_000
    assert (tmp_path / "run" / "plots" / "curves.png").is_file()
    assert result["steps_trained"] == 2


def test_the_arithmetic_demo_evaluates_on_questions_it_never_trains_on(
    tiny_model_dir, tmp_path, monkeypatch
):
    demo = load_benchmark("grpo_cpu_demo", monkeypatch)
    train, heldout = demo.arithmetic_tasks(tmp_path / "tasks")
    questions = [{json.loads(line)["question"] for line in p.open()} for p in (train, heldout)]
    assert len(questions[0]) == 720 and len(questions[1]) == 480 and not questions[0] & questions[1]
    saved = demo.main(
        [
            "--model", str(tiny_model_dir), "--arithmetic", "--steps", "1",
            "--eval-episodes", "4", "--eval-batch", "4", "--group-size", "2",
            "--tasks-per-step", "1", "--max-new-tokens", "4",
            "--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "demo.json"),
        ]
    )  # fmt: skip
    assert saved["config"]["envs"][0]["kwargs"]["tasks_path"].endswith("arithmetic_train.jsonl")
    assert saved["eval_env_kwargs"]["cogym/Math-v0"]["tasks_path"].endswith("heldout.jsonl")
    assert saved["steps_trained"] == 1 and saved["before"]["eval/episodes"] == 4
