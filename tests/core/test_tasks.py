import json

import numpy as np
import pytest

from cogym.core.errors import InvalidArgumentError, InvalidTaskError
from cogym.core.tasks import TaskSource, load_jsonl


def _validate(task):
    if not isinstance(task.get("x"), int):
        raise InvalidTaskError("needs an int 'x'")
    return {"x": task["x"]}


def _source(path=None):
    return TaskSource(_validate, task_at=lambda i: {"x": i}, tasks_path=path)


def test_load_jsonl_reads_tasks_and_skips_blank_lines(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"x": 1}\n\n{"x": 2, "extra": 0}\n')
    assert load_jsonl(path, _validate) == [{"x": 1}, {"x": 2}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops\n", "t.jsonl:1: not valid JSON"),
        ('{"x": 1}\n[1]\n', ":2: each line must be"),
        ('{"x": "a"}\n', ":1: needs an int"),
        ("\n", "no tasks"),
    ],
)
def test_load_jsonl_names_the_bad_line(tmp_path, content, message):
    path = tmp_path / "t.jsonl"
    path.write_text(content)
    with pytest.raises(InvalidTaskError, match=message):
        load_jsonl(path, _validate)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidArgumentError, match="is not a file"):
        load_jsonl(tmp_path / "nope.jsonl", _validate)


def test_pick_from_file_by_index_and_at_random(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps({"x": i}) for i in range(5)))
    source = _source(path)
    assert len(source) == 5
    assert source.pick(np.random.default_rng(0), {"index": 3}) == ({"x": 3}, 3)
    task, index = source.pick(np.random.default_rng(0), {})
    assert task == {"x": index}
    with pytest.raises(InvalidArgumentError, match="out of range: the tasks file has 5"):
        source.pick(np.random.default_rng(0), {"index": 5})


def test_pick_generated_is_seeded_by_np_random():
    source = _source()
    first = source.pick(np.random.default_rng(7), {})
    assert first == source.pick(np.random.default_rng(7), {})
    assert first != source.pick(np.random.default_rng(8), {})
    assert source.pick(np.random.default_rng(0), {"index": 12}) == ({"x": 12}, 12)


def test_a_seeded_pick_reports_the_index_that_replays_it():
    source = _source()
    task, index = source.pick(np.random.default_rng(3), {})
    assert isinstance(index, int) and index >= 0
    assert source.pick(np.random.default_rng(99), {"index": index}) == (task, index)


@pytest.mark.parametrize(
    "options",
    [{"index": -1}, {"index": 1.5}, {"index": True}, {"task": 3}, {"task": {"x": 1}, "index": 0}],
)
def test_pick_rejects_bad_options(options):
    with pytest.raises((InvalidArgumentError, InvalidTaskError)):
        _source().pick(np.random.default_rng(0), options)


def test_pick_validates_a_passed_task():
    assert _source().pick(np.random.default_rng(0), {"task": {"x": 4, "y": 1}}) == ({"x": 4}, None)
    with pytest.raises(InvalidTaskError):
        _source().pick(np.random.default_rng(0), {"task": {"x": "no"}})
