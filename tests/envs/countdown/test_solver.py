import random
from fractions import Fraction
from functools import cache
from itertools import combinations

import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.envs.countdown.solver import format_expression, solve
from cogym.envs.countdown.verifier import check_expression


def _assert_solves(numbers, target, **kwargs):
    expression = solve(numbers, target, **kwargs)
    assert expression is not None
    verdict = check_expression(expression, numbers, target, use_all=kwargs.get("use_all", False))
    assert verdict.correct, (numbers, target, expression, verdict)
    return verdict


@pytest.mark.parametrize(
    "numbers, target",
    [
        ([1, 2, 3, 4], 24),
        ([25, 50, 75, 100, 3, 6], 952),
        ([2, 3], 6),
        ([7], 7),
        ([4, 6, 10, 25], 2),
    ],
)
def test_solutions_found_verify_as_correct(numbers, target):
    _assert_solves(numbers, target)


def test_finds_a_solution_that_needs_fractions():
    verdict = _assert_solves([3, 3, 8, 8], 24, use_all=True)
    assert verdict.expression is not None and "/" in verdict.expression


@pytest.mark.parametrize(
    "numbers, target", [([1, 1, 1, 1], 100), ([2], 3), ([5, 5], 7), ([1, 1, 2, 3], 97)]
)
def test_returns_none_when_no_expression_exists(numbers, target):
    assert solve(numbers, target) is None
    assert solve(numbers, target, use_all=True) is None


def test_unsolvable_four_numbers_are_proved_unsolvable():
    # An exhaustive search; its speed is a benchmark figure (countdown_throughput.py).
    assert solve([7, 11, 13, 97], 999) is None
    assert solve([7, 11, 13, 97], 999, use_all=True) is None


def test_use_all_uses_every_number_exactly_once():
    verdict = _assert_solves([1, 2, 3, 4, 5], 15, use_all=True)
    assert sorted(verdict.used) == [1, 2, 3, 4, 5]


def test_use_all_can_need_a_zero_along_the_way():
    # every solution is like 7 + (3-3)*4: the two 3s and the 4 must cancel out
    verdict = _assert_solves([3, 3, 4, 7], 7, use_all=True)
    assert sorted(verdict.used) == [3, 3, 4, 7]


def test_max_numbers_limits_how_many_numbers_are_used():
    assert solve([2, 3, 4], 24, max_numbers=2) is None
    verdict = _assert_solves([2, 3, 4], 24, max_numbers=3)
    assert len(verdict.used) == 3
    assert solve([2, 3, 4], 4, max_numbers=1) == "4"
    assert solve([2, 3, 4], 6, max_numbers=0) is None


def test_small_solutions_come_first():
    verdict = _assert_solves([1, 2, 3, 4, 5, 100], 100)
    assert verdict.used == (100,)


def test_duplicate_numbers_are_separate_numbers():
    verdict = _assert_solves([5, 5, 5], 125, use_all=True)
    assert verdict.used == (5, 5, 5)
    assert solve([5, 5], 125) is None


@pytest.mark.parametrize("numbers, target", [([3, 3, 8], 0), ([1, 3, 8], -5), ([1, 3, 8], -23)])
def test_zero_and_negative_targets_are_solved(numbers, target):
    _assert_solves(numbers, target)


@cache
def _values(numbers: tuple[int, ...]) -> frozenset[Fraction]:
    """Every value an expression using all the numbers can take (brute force, any sign)."""
    if len(numbers) == 1:
        return frozenset([Fraction(numbers[0])])
    out = set()
    for mask in range(1, 2 ** len(numbers) - 1):
        left = tuple(n for i, n in enumerate(numbers) if mask >> i & 1)
        right = tuple(n for i, n in enumerate(numbers) if not mask >> i & 1)
        for a in _values(left):
            for b in _values(right):
                out.update((a + b, a - b, a * b))
                if b:
                    out.add(a / b)
    return frozenset(out)


def test_finds_a_solution_exactly_when_brute_force_does():
    rng = random.Random(7)
    for _ in range(40):
        numbers = tuple(sorted(rng.randint(1, 9) for _ in range(rng.choice([3, 4]))))
        exact = _values(numbers)
        subsets = {sub for k in range(1, len(numbers) + 1) for sub in combinations(numbers, k)}
        any_subset = set().union(*(_values(sub) for sub in subsets))
        for target in range(-10, 40):
            found = solve(list(numbers), target, use_all=True)
            assert (found is not None) == (target in exact), (numbers, target, found)
            found = solve(list(numbers), target)
            assert (found is not None) == (target in any_subset), (numbers, target, found)


def test_solutions_to_random_puzzles_verify():
    rng = random.Random(7)
    for _ in range(60):
        numbers = [rng.randint(1, 13) for _ in range(4)]
        for use_all in (False, True):
            expression = solve(numbers, 24, use_all=use_all)
            if expression is not None:
                verdict = check_expression(expression, numbers, 24, use_all=use_all)
                assert verdict.correct, (numbers, expression)


def test_format_expression_uses_only_needed_parentheses():
    tree = ("/", 8, ("-", 3, ("/", 8, 3)))
    assert format_expression(tree) == "8/(3-8/3)"
    assert format_expression(("-", ("-", 9, 2), ("+", 1, 1))) == "9-2-(1+1)"
    assert format_expression(("*", ("+", 1, 2), ("*", 3, 4))) == "(1+2)*3*4"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"numbers": [0, 3], "target": 3},
        {"numbers": [1.5, 3], "target": 3},
        {"numbers": [1, 3], "target": 3.0},
        {"numbers": [1, 3], "target": 3, "max_numbers": -1},
        {"numbers": [1, 3], "target": 3, "use_all": True, "max_numbers": 1},
    ],
)
def test_bad_arguments_raise(kwargs):
    with pytest.raises(InvalidArgumentError):
        solve(**kwargs)
