"""benchmarks/web_baselines.py runs end to end with tiny settings, so it cannot rot."""

from __future__ import annotations

import json

import pytest

from cogym.envs.web.forms_tasks import FORM_KINDS
from tests.benchmark_scripts import load_benchmark
from tests.marks import needs_browser


def _benchmark(monkeypatch: pytest.MonkeyPatch):
    return load_benchmark("web_baselines", monkeypatch)


@needs_browser
def test_experts_solve_every_tiny_section_and_the_json_holds_each_figure(tmp_path, monkeypatch):
    pytest.importorskip("miniwob", reason="needs the web extra: pip install 'cogym[web]'")
    bench = _benchmark(monkeypatch)
    out = tmp_path / "baselines.json"
    saved = bench.main(
        [
            "--shop-tasks", "2", "--form-seeds", "1", "--tasks", "click-button,enter-text",
            "--episodes", "2", "--random-episodes", "1", "--script-seeds", "1",
            "--script-tasks", "click-checkboxes,login-user", "--random-max-turns", "3",
            "--out", str(out),
        ]
    )  # fmt: skip
    written = json.loads(out.read_text())
    assert written["machine"]["cpus"] >= 1 and written["shop_expert"] == saved["shop_expert"]

    shop = saved["shop_expert"]
    assert (shop["episodes"], shop["successes"], shop["success_rate"]) == (2, 2, 1.0)
    assert shop["mean_reward"] == 1.0 and shop["failures"] == [] and shop["mean_turns"] >= 3
    forms = saved["forms_expert"]
    assert list(forms["per_kind"]) == list(FORM_KINDS) and forms["success_rate"] == 1.0
    assert all(
        row["episodes"] == 1 and row["success_rate"] == 1.0 for row in forms["per_kind"].values()
    )
    scripted = saved["scripted_miniwob"]
    assert list(scripted["per_task"]) == ["click-checkboxes", "login-user"]
    assert scripted["success_rate"] == 1.0

    random = saved["random_miniwob"]
    assert random["tasks"] == 2 and list(random["per_task"]) == ["click-button", "enter-text"]
    for row in random["per_task"].values():
        assert row["episodes"] == 2 and 0.0 <= row["success_rate"] <= 1.0
        assert -1.0 <= row["mean_raw_reward"] <= 1.0 and 1 <= row["mean_turns"] <= 3
    rates = [row["success_rate"] for row in random["per_task"].values()]
    assert random["mean_success_rate"] == pytest.approx(sum(rates) / 2, abs=1e-4)
    suites = saved["random_suites"]
    assert set(suites) == {"shop", "forms"} and all(
        row["episodes"] == 1 and row["mean_turns"] <= 3 for row in suites.values()
    )
    assert set(saved["seconds"]) == {"shop_expert", "forms_expert", "scripted", "random"}


def test_bad_settings_are_refused_with_what_each_flag_takes(monkeypatch, capsys):
    bench = _benchmark(monkeypatch)
    with pytest.raises(SystemExit):
        bench.main(["--episodes", "0"])
    assert "--episodes takes a count >= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["--script-tasks", "click-button,moon"])
    assert "--script-tasks takes 'all' or names from: click-button" in capsys.readouterr().err
