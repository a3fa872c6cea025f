"""benchmarks/web_throughput.py runs end to end with tiny settings, so it cannot rot."""

from __future__ import annotations

import json
import os

import pytest

from tests.benchmark_scripts import load_benchmark
from tests.marks import needs_browser


def _benchmark(monkeypatch: pytest.MonkeyPatch):
    return load_benchmark("web_throughput", monkeypatch)


@needs_browser
def test_every_side_runs_its_episodes_and_the_json_holds_each_figure(tmp_path, monkeypatch):
    pytest.importorskip("miniwob", reason="needs the web extra: pip install 'cogym[web]'")
    bench = _benchmark(monkeypatch)
    out = tmp_path / "web.json"
    saved = bench.main(
        [
            "--episodes", "1", "--rounds", "1", "--warmup", "0", "--clicks", "1",
            "--reads", "aria", "--miniwob-tasks", "click-button", "--out", str(out),
        ]
    )  # fmt: skip
    written = json.loads(out.read_text())
    assert written["results"] == saved["results"] and written["machine"]["cpus"] >= 1
    rows = {(row["suite"], row["side"]): row for row in saved["results"]}
    # steps per episode: shop fill + Search + (result + back) per click; login 3; click-button 2
    expected = {
        ("shop", "cogym WebShop-v0 (gym.make)"): 4,
        ("shop", "raw Playwright + aria_snapshot()"): 4,
        ("forms", "cogym WebForms-v0 (gym.make)"): 3,
        ("forms", "raw Playwright + aria_snapshot()"): 3,
        ("miniwob click-button", "cogym MiniWoB-v0 (gym.make)"): 2,
    }
    for key, steps in expected.items():
        assert rows[key]["episodes"] == 1 and rows[key]["steps"] == steps, key
    selenium = [key for key in rows if key[1].startswith("miniwob Selenium")]
    if "miniwob_selenium" in saved["skipped"]:
        assert not selenium and saved["skipped"]["miniwob_selenium"]
    else:  # ChromeDriver is here: both observation variants ran and solved the task
        assert len(selenium) == 2 and all(rows[key]["steps"] == 2 for key in selenium)
    for row in saved["results"]:
        assert row["steps_per_s"] > 0 and row["reset_mean_ms"] > 0 and row["startup_s"] > 0
    assert len(rows) == len(saved["results"])
    assert saved["ratios"]["shop / raw Playwright + aria_snapshot() / steps"] > 0
    assert saved["ratios"]["forms / raw Playwright + aria_snapshot() / reset"] > 0
    assert len(saved["ratios"]) == 2 * (len(rows) - 3)  # each other side over cogym's, per suite


@needs_browser
def test_a_missing_chromedriver_is_a_reason_not_a_failure(monkeypatch):
    pytest.importorskip("miniwob", reason="needs the web extra: pip install 'cogym[web]'")
    bench = _benchmark(monkeypatch)
    monkeypatch.setenv("MINIWOB_CHROMEDRIVER", os.devnull + "-no-such-driver")
    reason, variables = bench.selenium_setup()
    assert "no ChromeDriver" in reason and "apt-get install chromium-driver" in reason
    assert variables == {}


def test_bad_settings_are_refused_with_what_each_flag_takes(monkeypatch, capsys):
    bench = _benchmark(monkeypatch)
    with pytest.raises(SystemExit):
        bench.main(["--suites", "shop,moon", "--reads", "aria", "--episodes", "0"])
    message = capsys.readouterr().err
    assert "--suites takes shop, forms, miniwob" in message and "--episodes" in message
