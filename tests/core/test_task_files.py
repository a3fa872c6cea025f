"""A tasks file (``tasks_path=``) that cannot be used fails when the env is made, with a
CogymError that names the file and line, for every family that reads one: bytes that
are not UTF-8, JSON nested 100k deep, a 5,000-digit number, NaN, an over-long line. A
Math row whose gold answer math-verify cannot read, or that has none, is refused too."""

import json
import random

import gymnasium as gym
import pytest

import cogym
import cogym.core.tasks
from cogym.core.errors import CogymError, InvalidTaskError


def _file_families():
    """One id per family whose env takes ``tasks_path``, with a good line of its schema."""
    for family in cogym.families():
        if family.generate is None:
            continue
        task = family.generate(random.Random(0), family.config())
        yield pytest.param(family.env_ids[0], json.dumps(task), id=family.name)


BAD_LINES = {
    "not UTF-8": b'{"numbers": [1, 2], "target": 3, "x": "\xff\xfe\x80"}',
    "binary": bytes(range(11, 256)),
    "100k-deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "100k-deep object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "5,000-digit integer": b'{"target": ' + b"9" * 5000 + b"}",
    "NaN": b'{"target": NaN, "answer": NaN}',
    "not JSON": b"{oops",
    "not an object": b"[1, 2, 3]",
}


@pytest.mark.parametrize(("env_id", "good"), list(_file_families()))
@pytest.mark.parametrize("kind", list(BAD_LINES))
def test_a_bad_line_fails_at_make_naming_the_file_and_line(tmp_path, env_id, good, kind):
    path = tmp_path / "tasks.jsonl"
    path.write_bytes(good.encode() + b"\n\n" + BAD_LINES[kind] + b"\n" + good.encode() + b"\n")
    with pytest.raises(InvalidTaskError) as caught:
        gym.make(env_id, tasks_path=str(path))
    assert str(caught.value).startswith(f"{path}:3: ")


@pytest.mark.parametrize(("env_id", "good"), list(_file_families()))
def test_a_line_past_the_length_limit_fails_naming_it(tmp_path, monkeypatch, env_id, good):
    monkeypatch.setattr(cogym.core.tasks, "MAX_LINE_BYTES", len(good) + 10)
    path = tmp_path / "tasks.jsonl"
    padded = good[:-1] + " " * 20 + good[-1]  # the same object, 20 bytes longer
    path.write_text(f"{good}\n{padded}\n")
    with pytest.raises(InvalidTaskError) as caught:
        gym.make(env_id, tasks_path=path)
    assert str(caught.value).startswith(f"{path}:2: the line is longer than")


@pytest.mark.parametrize(("env_id", "good"), list(_file_families()))
def test_a_good_file_still_loads_from_a_str_or_a_path(tmp_path, env_id, good):
    path = tmp_path / "tasks.jsonl"
    path.write_text(f"{good}\n\n{good}\n")
    for given in (str(path), path):
        env = gym.make(env_id, tasks_path=given)
        _, info = env.reset(options={"index": 1})
        assert info["task_index"] == 1
        env.close()


MATH_ROWS = {
    "an answer in words": {"question": "What is 1+1?", "answer": "The answer is two, obviously."},
    "an empty answer": {"question": "What is 1+1?", "answer": "  "},
    "no answer": {"question": "What is 1+1?", "answer": None},
    "a solution with no final answer": {
        "question": "What is 1+1?",
        "answer": "We add one and one and get two.",
    },
    "a GSM8K solution with nothing after ####": {"question": "What is 1+1?", "answer": "1+1 ####"},
    "an answer too long to grade": {"question": "What is 1+1?", "answer": "1+" * 600 + "1"},
    "an infinite answer": {"question": "What is 1+1?", "answer": float("inf")},
}


@pytest.mark.parametrize("row", list(MATH_ROWS))
def test_a_math_row_without_a_readable_answer_fails_at_load(tmp_path, row):
    path = tmp_path / "math.jsonl"
    good = {"question": "What is 6 * 7?", "answer": "#### 42"}
    path.write_text(json.dumps(good) + "\n" + json.dumps(MATH_ROWS[row]) + "\n")
    with pytest.raises(InvalidTaskError) as caught:
        gym.make("cogym/Math-v0", tasks_path=path)
    assert str(caught.value).startswith(f"{path}:2: ")


@pytest.mark.parametrize("row", [row for row in MATH_ROWS if "####" not in row])
def test_a_math_task_without_a_readable_answer_is_refused_as_an_option(row):
    env = gym.make("cogym/Math-v0")
    with pytest.raises(CogymError, match="math task"):
        env.reset(options={"task": MATH_ROWS[row]})
    env.close()


@pytest.mark.parametrize(
    "answer",
    [
        "42",
        "-3.5",
        r"\frac{3}{4}",
        r"\{-2, 3\}",
        "(1, -2)",
        "x = 2",
        r"3\sqrt{2}",
        r"\infty",
        "$5$",
        r"\text{(B)}",
        "1,000",
        r"50\%",
        "2**3",
        "pi/2",
    ],
)
def test_math_answers_the_grader_reads_still_load(tmp_path, answer):
    path = tmp_path / "math.jsonl"
    path.write_text(json.dumps({"question": "Q?", "answer": answer}) + "\n")
    env = gym.make("cogym/Math-v0", tasks_path=path)
    _, info = env.reset(options={"index": 0})
    assert info["task"]["answer"] == answer
    env.close()


def test_reading_a_math_answer_leaves_the_programs_alarm_pending():
    from cogym.envs.math.task import validate_task

    signal = pytest.importorskip("signal")
    signal.setitimer(signal.ITIMER_REAL, 1000)
    try:
        validate_task({"question": "Solve.", "answer": r"\frac{x^2 + 17}{31}"})
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
