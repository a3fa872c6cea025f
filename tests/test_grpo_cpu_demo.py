"""benchmarks/grpo_cpu_demo.py runs end to end on a tiny model, so it cannot rot."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_the_cpu_demo_evaluates_trains_and_reports_the_rise(
    tiny_model_dir, tmp_path, monkeypatch, digits_family
):
    from tests.training.toy_envs import DIGITS_ID

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("grpo_cpu_demo", BENCHMARKS / "grpo_cpu_demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
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
