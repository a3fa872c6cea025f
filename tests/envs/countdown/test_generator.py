import dataclasses
import random

import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.envs.countdown.generator import PRESETS, CountdownConfig, generate_task, task_at
from cogym.envs.countdown.solver import solve
from cogym.envs.countdown.task import validate_task
from cogym.envs.countdown.verifier import check_expression

SWEEP = {"easy": 300, "default": 500, "hard": 200}


def test_presets_are_easy_default_and_hard_and_valid():
    assert set(PRESETS) == {"easy", "default", "hard"}
    for config in PRESETS.values():
        config.validate()


def test_same_rng_seed_gives_the_same_task():
    config = PRESETS["hard"]
    assert generate_task(random.Random(5), config) == generate_task(random.Random(5), config)


def test_different_seeds_give_different_tasks():
    for name in PRESETS:
        tasks = {repr(task_at(PRESETS[name], seed, 0)) for seed in range(200)}
        assert len(tasks) > 150, name


def test_task_at_is_a_pure_function_of_seed_and_index():
    config = PRESETS["default"]
    forward = [task_at(config, 3, index) for index in range(20)]
    backward = [task_at(config, 3, index) for index in reversed(range(20))]
    assert forward == backward[::-1]
    assert task_at(config, 3, 0) != task_at(config, 4, 0)
    assert task_at(config, 1, 23) != task_at(config, 12, 3)


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_every_generated_task_keeps_the_config_and_is_solvable(name):
    config = PRESETS[name]
    large = set(config.large_numbers)
    for index in range(SWEEP[name]):
        task = task_at(config, 0, index)
        numbers, target = task["numbers"], task["target"]
        assert validate_task(task) == task
        assert len(numbers) == config.count
        assert config.min_target <= target <= config.max_target
        small = [n for n in numbers if n not in large]
        assert all(config.min_number <= n <= config.max_number for n in small)
        assert len(numbers) - len(small) <= config.max_large
        verdict = check_expression(task["solution"], numbers, target, use_all=True)
        assert verdict.correct, (task, verdict)
        assert solve(numbers, target, max_numbers=config.min_numbers_used - 1) is None, task


def test_numbers_are_sorted_so_the_solution_order_does_not_leak():
    task = task_at(PRESETS["hard"], 0, 1)
    assert task["numbers"] == sorted(task["numbers"])


def test_tv_style_small_numbers_appear_at_most_twice():
    for index in range(200):
        numbers = task_at(PRESETS["hard"], 0, index)["numbers"]
        assert all(numbers.count(n) <= 2 for n in range(1, 11))
        assert all(numbers.count(n) <= 1 for n in (25, 50, 75, 100))


def test_min_numbers_used_two_means_the_target_is_not_a_given_number():
    config = CountdownConfig(count=3, max_number=12, min_target=1, max_target=12)
    for index in range(100):
        task = task_at(config, 0, index)
        assert task["target"] not in task["numbers"]


def test_too_tight_config_raises_a_clear_error():
    config = CountdownConfig(count=2, min_number=1, max_number=1, min_target=500, max_target=600)
    with pytest.raises(InvalidArgumentError, match="too tight"):
        generate_task(random.Random(0), config)


@pytest.mark.parametrize(
    "changes",
    [
        {"count": 0},
        {"count": 13},
        {"count": True},
        {"min_number": 0},
        {"min_number": 30, "max_number": 20},
        {"max_number": 10**7},
        {"min_target": 0},
        {"min_target": 300, "max_target": 200},
        {"max_target": 10**10},
        {"min_numbers_used": 0},
        {"min_numbers_used": 5},
        {"large_numbers": (25, 0)},
        {"large_numbers": (25, 50), "max_large": 3},
        {"max_large": 1},
        {"small_copies": -1},
        {"small_copies": 1, "max_number": 3},
    ],
)
def test_validate_rejects_bad_configs(changes):
    config = dataclasses.replace(PRESETS["default"], **changes)
    with pytest.raises(InvalidArgumentError, match="invalid CountdownConfig"):
        config.validate()


@pytest.mark.parametrize("seed, index", [(0, -1), (0, 1.0), ("0", 1)])
def test_task_at_rejects_bad_seed_or_index(seed, index):
    with pytest.raises(InvalidArgumentError):
        task_at(PRESETS["easy"], seed, index)
