import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cogym
from cogym.cli import env_table_rows, main, markdown_table, parse_env_kwargs
from tests.processes import ctrl_c_when

PUZZLE = {"numbers": [3, 7, 8, 25], "target": 24}


@pytest.fixture(autouse=True)
def piped_output(monkeypatch):
    """The tests read the CLI's output as a pipe would; these variables would make rich
    treat the capture as a terminal of the default 80 columns, and squeeze its tables."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def _cogym_command() -> list[str]:
    script = Path(sys.executable).parent / "cogym"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cogym"]


def test_list_shows_every_id_with_spaces(capsys):
    assert main(["list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in rows] == cogym.env_ids()
    assert rows[0]["observation"] == "Text(8192)" and rows[0]["max_turns"] == "4"


def test_list_table_renders(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "cogym/Countdown-Hard-v0" in out and "Text(16384)" in out


def test_run_summarizes_and_writes_episodes(tmp_path, capsys):
    out = tmp_path / "traj.jsonl"
    code = main(
        [
            "run",
            "cogym/Countdown-Easy-v0",
            "--agent",
            "solver",
            "--episodes",
            "20",
            "--seed",
            "3",
            "--out",
            str(out),
            "--json",
            "--quiet",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (
        summary["success_rate"] == 1.0
        and summary["mean_turns"] == 1.0
        and summary["episodes"] == 20
    )
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [record["seed"] for record in records] == list(range(3, 23))
    assert records[0]["steps"][0]["info"]["success"] is True
    assert records[0]["env_id"] == "cogym/Countdown-Easy-v0"


def test_run_random_agent_fails_with_the_invalid_penalty(capsys):
    assert (
        main(["run", "Countdown-v0", "--agent", "random", "--episodes", "5", "--json", "--quiet"])
        == 0
    )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["success_rate"] == 0.0 and summary["mean_return"] == pytest.approx(-0.4)
    assert summary["mean_turns"] == 4.0


def test_run_table_has_the_summary_columns(capsys):
    assert (
        main(["run", "Countdown-Easy-v0", "--agent", "random-expr", "--episodes", "10", "--quiet"])
        == 0
    )
    out = capsys.readouterr().out
    for column in ("success", "mean return", "mean turns", "episodes/s"):
        assert column in out


def test_run_passes_env_kwargs(capsys):
    assert (
        main(
            [
                "run",
                "Countdown-v0",
                "--agent",
                "random",
                "--episodes",
                "2",
                "--json",
                "--quiet",
                "--env-kwarg",
                "max_turns=2",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out.strip())["mean_turns"] == 2.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "Nope-v0"], "unknown env id"),
        (["run", "Countdown-v0", "--agent", "oracle"], "unknown agent"),
        (["run", "Countdown-v0", "--env-kwarg", "turns=3"], "unknown kwarg"),
        (["run", "Countdown-v0", "--episodes", "0"], "--episodes must be"),
        (["run", "Countdown-v0", "--env-kwarg", "invalid_action_reward=x"], "invalid_action_rew"),
        (["run", "Math-v0", "--env-kwarg", "grade_timeout_s=0"], "grade_timeout_s"),
        (["eval", "--envs", "Countdown-v0", "--env-kwarg", "max_turns=-1"], "max_turns"),
    ],
)
def test_run_errors_are_one_clear_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_ctrl_c_during_a_run_prints_the_partial_table_and_keeps_the_jsonl_valid(tmp_path):
    out = tmp_path / "episodes.jsonl"
    argv = ["run", "Countdown-v0", "--agent", "solver", "--episodes", "10000000"]
    process = subprocess.Popen(
        [*_cogym_command(), *argv, "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = ctrl_c_when(process, lambda: len(_lines(out)) >= 3)
    assert process.returncode == 130, stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) >= 3 and all(record["success"] for record in records)
    assert "interrupted (Ctrl-C) after" in stderr and "Traceback" not in stderr
    ended = int(re.search(r"interrupted \(Ctrl-C\) after (\d+) of", stderr).group(1))
    assert ended == len(records)
    assert "cogym run" in stdout and "100.0%" in stdout  # the table of what ended


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_parse_env_kwargs_reads_json_values():
    assert parse_env_kwargs(["a=1", "b=hard", "c=[1, 2]", "d=true"]) == {
        "a": 1,
        "b": "hard",
        "c": [1, 2],
        "d": True,
    }


def test_console_script_plays_a_game_from_stdin(tmp_path):
    tasks = tmp_path / "one.jsonl"
    tasks.write_text(json.dumps(PUZZLE) + "\n")
    result = subprocess.run(
        [
            *_cogym_command(),
            "play",
            "Countdown-v0",
            "--seed",
            "0",
            "--env-kwarg",
            f"tasks_path={tasks}",
        ],
        input="3 + 7\n<answer>3 * 8</answer>\n/quit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "make 24" in result.stdout and "equals 10" in result.stdout
    assert "Correct!" in result.stdout and "Episode over: solved" in result.stdout


def test_readme_env_table_is_generated_from_the_registry():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert markdown_table(env_table_rows()) in readme


def test_run_llm_agent_batched_reports_tokens_per_s(tiny_model_dir, capsys, tmp_path):
    out = tmp_path / "llm.jsonl"
    argv = [
        "run",
        "Countdown-Easy-v0",
        "--agent",
        "llm",
        "--model",
        str(tiny_model_dir),
        "--episodes",
        "4",
        "--batch",
        "2",
        "--max-new-tokens",
        "6",
        "--json",
        "--quiet",
        "--env-kwarg",
        "max_turns=2",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["episodes"] == 4 and summary["mean_turns"] == 2.0
    assert 0 < summary["generated_tokens"] <= 4 * 2 * 6 and summary["tokens_per_s"] > 0
    assert len(out.read_text().splitlines()) == 4


def test_eval_writes_a_markdown_table_per_env_and_agent(tiny_model_dir, capsys, tmp_path):
    out = tmp_path / "eval.md"
    argv = [
        "eval",
        "--envs",
        "Countdown-Easy-v0,cogym/Countdown-v0",
        "--agents",
        "llm,solver",
        "--model",
        str(tiny_model_dir),
        "--episodes",
        "2",
        "--batch",
        "2",
        "--max-new-tokens",
        "4",
        "--quiet",
        "--env-kwarg",
        "max_turns=1",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    table = out.read_text()
    assert table.strip() == capsys.readouterr().out.strip()
    rows = [line for line in table.splitlines() if line.startswith("| `cogym/")]
    assert len(rows) == 4
    assert any("| solver |" in row and "100.0%" in row for row in rows)
    assert any(f"| llm ({tiny_model_dir.name}) |" in row for row in rows)


def test_eval_rejects_an_unknown_env_before_loading_a_model(capsys):
    assert main(["eval", "--envs", "Countdown-v0,Nope-v0", "--agents", "llm", "--quiet"]) == 2
    assert "unknown env id 'Nope-v0'" in capsys.readouterr().err


def test_run_rejects_a_missing_model_path(capsys, tmp_path):
    argv = ["run", "Countdown-v0", "--agent", "llm", "--model", str(tmp_path / "none"), "--quiet"]
    assert main(argv) == 2
    assert "nothing is downloaded" in capsys.readouterr().err


@pytest.mark.parametrize("terminal", [False, True])
def test_errors_are_never_wrapped_however_long_the_path_or_narrow_the_terminal(
    terminal, capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "40")
    if terminal:
        monkeypatch.setenv("FORCE_COLOR", "1")
    deep = tmp_path.joinpath(*["a-directory-with-a-rather-long-name"] * 6)
    deep.mkdir(parents=True)
    missing = deep / "none"
    assert len(str(missing)) > 200
    argv = ["run", "Countdown-v0", "--agent", "llm", "--model", str(missing), "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error:" in err and str(missing) in err and "nothing is downloaded" in err
    assert err.count("\n") == 1


def test_unclosed_tag_detection():
    from cogym.cli import unclosed_tag

    assert unclosed_tag("<submit>\ndef f():") == "submit"
    assert unclosed_tag("<submit>x</submit>") is None
    assert unclosed_tag("3 + 4") is None
    assert unclosed_tag("<answer>1</answer> <run>") == "run"


def test_play_takes_multi_line_code_until_the_tag_closes(tmp_path):
    tasks = tmp_path / "one.jsonl"
    record = {
        "prompt": 'def add(a, b):\n    """Return a + b."""\n',
        "entry_point": "add",
        "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n",
    }
    tasks.write_text(json.dumps(record) + "\n")
    result = subprocess.run(
        [*_cogym_command(), "play", "Code-v0", "--seed", "0", "--env-kwarg", f"tasks_path={tasks}"],
        input="<submit>\ndef add(a, b):\n    return a + b\n</submit>\n/quit\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "All tests passed!" in result.stdout and "Episode over: solved" in result.stdout
