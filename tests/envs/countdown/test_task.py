import pytest

from cogym.core.errors import InvalidTaskError
from cogym.envs.countdown.task import validate_task


def test_accepts_a_good_task_and_returns_a_clean_copy():
    numbers = [3, 3, 8, 8]
    task = validate_task({"numbers": numbers, "target": 24})
    assert task == {"numbers": [3, 3, 8, 8], "target": 24}
    assert task["numbers"] is not numbers


def test_keeps_a_solution_when_given():
    task = validate_task({"numbers": (3, 8), "target": 24, "solution": "3*8"})
    assert task == {"numbers": [3, 8], "target": 24, "solution": "3*8"}


def test_accepts_the_limits():
    validate_task({"numbers": [10**6] * 12, "target": -(10**9)})


@pytest.mark.parametrize(
    "numbers",
    [[], [1] * 13, [0, 3], [-3], [1.0], [True, 2], ["3"], [10**6 + 1], "38", None, {3: 1}],
)
def test_rejects_bad_numbers(numbers):
    with pytest.raises(InvalidTaskError, match="'numbers': a list of 1-12 positive integers"):
        validate_task({"numbers": numbers, "target": 24})


@pytest.mark.parametrize("target", [24.0, "24", True, None, 10**9 + 1, -(10**9) - 1])
def test_rejects_bad_target(target):
    with pytest.raises(InvalidTaskError, match="'target': an integer"):
        validate_task({"numbers": [3, 8], "target": target})


@pytest.mark.parametrize("solution", ["", "  ", 24, None])
def test_rejects_bad_solution(solution):
    with pytest.raises(InvalidTaskError, match="'solution'"):
        validate_task({"numbers": [3, 8], "target": 24, "solution": solution})


def test_rejects_unknown_keys_by_name():
    with pytest.raises(InvalidTaskError, match="unknown keys \\['answer'\\]"):
        validate_task({"numbers": [3, 8], "target": 24, "answer": "3*8"})


@pytest.mark.parametrize("task", [{"numbers": [3, 8]}, {"target": 24}, {}])
def test_rejects_missing_keys(task):
    with pytest.raises(InvalidTaskError, match="missing"):
        validate_task(task)


@pytest.mark.parametrize("task", [[3, 8, 24], "3 8 -> 24", None])
def test_rejects_a_task_that_is_not_a_mapping(task):
    with pytest.raises(InvalidTaskError, match="mapping"):
        validate_task(task)
