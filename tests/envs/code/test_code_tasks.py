import contextlib
import io
import json
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from cogym.core.errors import InvalidArgumentError, InvalidTaskError
from cogym.envs.code.generator import FAMILIES, CodeConfig, generate_task, task_at
from cogym.envs.code.task import TASK_KEYS, normalize_output, validate_task

SEEDS = range(30)
NAMES = sorted(FAMILIES)


def run_function(solution: str, entry_point: str, args: list):
    """Run the solution source in a fresh namespace and call its entry point."""
    namespace = {"__name__": "solution"}
    exec(solution, namespace)
    return json.loads(json.dumps(namespace[entry_point](*args)))


def run_program(solution: str, stdin: str) -> str:
    """Run the solution source as a program with the given stdin; return its stdout."""
    captured, saved = io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(captured):
            exec(solution, {"__name__": "__main__"})
    finally:
        sys.stdin = saved
    return captured.getvalue()


@pytest.fixture(scope="module")
def tasks_by_family() -> dict[str, list[dict]]:
    """Task 0 of seeds 0-29 for every family."""
    return {
        name: [task_at(CodeConfig(families=(name,)), seed, 0) for seed in SEEDS] for name in NAMES
    }


# -- the families ----------------------------------------------------------------------------


def test_there_are_at_least_16_families_of_both_kinds():
    assert len(FAMILIES) >= 16
    assert {family.kind for family in FAMILIES.values()} == {"function", "io"}
    for name, family in FAMILIES.items():
        assert family.name == name
        assert family.summary


@pytest.mark.parametrize("name", NAMES)
def test_family_tasks_are_valid_json_tasks_of_their_family(tasks_by_family, name):
    for task in tasks_by_family[name]:
        assert validate_task(task) == task
        assert json.loads(json.dumps(task)) == task
        assert tuple(task) == TASK_KEYS
        assert task["family"] == name
        assert task["kind"] == FAMILIES[name].kind
        assert task["prompt"].isascii()
        assert task["solution"]
        assert task["test_code"] is None
        assert len(task["examples"]) == 2
        assert len(task["tests"]) == 10
        if task["kind"] == "function":
            assert task["signature"].startswith(f"def {task['entry_point']}(")
            assert task["entry_point"] in task["prompt"]
        else:
            assert task["entry_point"] is None and task["signature"] is None


@pytest.mark.parametrize("name", NAMES)
def test_stored_solution_reproduces_every_example_and_test(tasks_by_family, name):
    for task in tasks_by_family[name]:
        for case in task["examples"] + task["tests"]:
            if task["kind"] == "function":
                got = run_function(task["solution"], task["entry_point"], case["input"])
                assert got == case["output"], (task["prompt"], case)
            else:
                got = run_program(task["solution"], case["input"])
                assert normalize_output(got) == normalize_output(case["output"]), case


@pytest.mark.parametrize("name", NAMES)
def test_prompts_and_tests_differ_across_seeds(tasks_by_family, name):
    tasks = tasks_by_family[name]
    assert len({task["prompt"] for task in tasks}) >= 4
    assert len({json.dumps(task["tests"]) for task in tasks}) >= 25


@pytest.mark.parametrize("name", NAMES)
def test_examples_are_distinct_from_the_hidden_tests(tasks_by_family, name):
    for task in tasks_by_family[name]:
        inputs = [json.dumps(case["input"]) for case in task["examples"] + task["tests"]]
        assert len(set(inputs)) == len(inputs)


# -- the generator ---------------------------------------------------------------------------


def test_task_at_is_a_pure_function_of_seed_and_index():
    config = CodeConfig()
    forward = [json.dumps(task_at(config, 7, index)) for index in range(15)]
    backward = [json.dumps(task_at(config, 7, index)) for index in reversed(range(15))]
    assert forward == backward[::-1]
    assert task_at(config, 7, 0) != task_at(config, 8, 0)
    assert task_at(config, 1, 23) != task_at(config, 12, 3)


def test_the_same_rng_seed_gives_the_same_task():
    config = CodeConfig(kind="io")
    first = generate_task(random.Random(5), config)
    assert json.dumps(first) == json.dumps(generate_task(random.Random(5), config))


def test_generate_task_draws_every_allowed_family():
    rng = random.Random(0)
    drawn = {generate_task(rng, CodeConfig(num_tests=1))["family"] for _ in range(600)}
    assert drawn == set(FAMILIES)


@pytest.mark.parametrize("kind", ["function", "io"])
def test_kind_restricts_the_families(kind):
    config = CodeConfig(kind=kind)
    assert config.family_names() == sorted(n for n, f in FAMILIES.items() if f.kind == kind)
    assert {task_at(config, 0, index)["kind"] for index in range(20)} == {kind}


def test_families_restricts_the_draw():
    config = CodeConfig(families=("caesar_shift", "io_bank_ledger"))
    drawn = {task_at(config, 3, index)["family"] for index in range(30)}
    assert drawn == {"caesar_shift", "io_bank_ledger"}


def test_num_examples_and_num_tests_are_honoured():
    task = task_at(CodeConfig(num_examples=3, num_tests=15), 0, 0)
    assert (len(task["examples"]), len(task["tests"])) == (3, 15)
    task = task_at(CodeConfig(num_examples=0, num_tests=1), 0, 0)
    assert (len(task["examples"]), len(task["tests"])) == (0, 1)


def test_io_tasks_generated_from_many_threads_match_sequential_ones_while_another_prints():
    config = CodeConfig(kind="io")
    indices = range(48)
    sequential = [json.dumps(task_at(config, 11, index)) for index in indices]
    stop = threading.Event()

    def chatter() -> None:
        while not stop.is_set():
            print("LEAKED-BY-ANOTHER-THREAD")

    printer = threading.Thread(target=chatter)
    printer.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            threaded = list(pool.map(lambda index: json.dumps(task_at(config, 11, index)), indices))
    finally:
        stop.set()
        printer.join()
    assert threaded == sequential
    assert not any("LEAKED" in task for task in threaded)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (CodeConfig(kind="python"), "kind must be one of"),
        (CodeConfig(families=("nope",)), "unknown families \\['nope'\\]; valid names are"),
        (CodeConfig(families="caesar_shift"), "families must be a tuple"),
        (CodeConfig(kind="io", families=("caesar_shift",)), "not of kind 'io'"),
        (CodeConfig(kind="function", families=("io_bank_ledger",)), "not of kind 'function'"),
        (CodeConfig(num_examples=-1), "num_examples"),
        (CodeConfig(num_examples=11), "num_examples"),
        (CodeConfig(num_examples=2.0), "num_examples"),
        (CodeConfig(num_tests=0), "num_tests"),
        (CodeConfig(num_tests=51), "num_tests"),
    ],
)
def test_bad_configs_raise_with_a_message(config, message):
    with pytest.raises(InvalidArgumentError, match=message):
        config.validate()
    with pytest.raises(InvalidArgumentError, match=message):
        task_at(config, 0, 0)


def test_unknown_family_error_lists_the_valid_names():
    with pytest.raises(InvalidArgumentError) as caught:
        CodeConfig(families=("nope",)).validate()
    assert "caesar_shift" in str(caught.value) and "io_count_islands" in str(caught.value)


@pytest.mark.parametrize(("seed", "index"), [(1.5, 0), ("1", 0), (1, -1), (1, 2.0)])
def test_task_at_rejects_bad_seed_or_index(seed, index):
    with pytest.raises(InvalidArgumentError, match="task_at needs"):
        task_at(CodeConfig(), seed, index)


# -- the schema ------------------------------------------------------------------------------

IO_TASK = {"kind": "io", "prompt": "Add two numbers.", "tests": [{"input": "1 2\n", "output": "3"}]}
FUNCTION_TASK = {
    "kind": "function",
    "prompt": "Add two numbers.",
    "entry_point": "add",
    "signature": "def add(a: int, b: int) -> int",
    "tests": [{"input": (1, 2), "output": 3}],
}


def test_validate_fills_defaults_and_copies_cases_through_json():
    task = validate_task(FUNCTION_TASK)
    assert tuple(task) == TASK_KEYS
    assert task["family"] == "custom"
    assert task["examples"] == [] and task["test_code"] is None and task["solution"] is None
    assert task["tests"] == [{"input": [1, 2], "output": 3}]
    assert validate_task(IO_TASK)["entry_point"] is None


def test_a_function_task_may_have_only_test_code():
    task = dict(FUNCTION_TASK, tests=[], test_code="assert add(1, 2) == 3")
    assert validate_task(task)["test_code"] == "assert add(1, 2) == 3"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"answer": 3}, "unknown keys \\['answer'\\]"),
        ({"kind": "python"}, "'kind' must be 'function' or 'io'"),
        ({"prompt": " "}, "'prompt' must be a non-empty string"),
        ({"family": ""}, "'family' must be"),
        ({"entry_point": "2add"}, "'entry_point'"),
        ({"entry_point": "class"}, "'entry_point'"),
        ({"signature": "def plus(a, b)"}, "must be None or a def line starting with 'def add\\('"),
        ({"tests": [{"input": 1, "output": 3}]}, "tests\\[0\\]\\['input'\\] must be the list"),
        ({"tests": [{"input": [1], "out": 3}]}, "tests\\[0\\] must be a dict with exactly"),
        ({"tests": [{"input": [{1}], "output": 3}]}, "tests\\[0\\] must be JSON data"),
        ({"tests": [{"input": [1], "output": float("nan")}]}, "JSON data"),
        ({"examples": "none"}, "'examples' must be a list"),
        ({"tests": []}, "needs hidden tests"),
        ({"solution": 3}, "'solution' must be a non-empty string or None"),
    ],
)
def test_validate_rejects_bad_function_tasks(changes, message):
    with pytest.raises(InvalidTaskError, match=message):
        validate_task({**FUNCTION_TASK, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"entry_point": "main"}, "io code task must have 'entry_point' None"),
        ({"signature": "def main()"}, "io code task must have 'signature' None"),
        ({"test_code": "assert True"}, "io code task must have 'test_code' None"),
        ({"tests": [{"input": ["1 2"], "output": "3"}]}, "\\['input'\\] must be a string"),
        ({"tests": [{"input": "1 2", "output": 3}]}, "\\['output'\\] must be a string"),
    ],
)
def test_validate_rejects_bad_io_tasks(changes, message):
    with pytest.raises(InvalidTaskError, match=message):
        validate_task({**IO_TASK, **changes})


@pytest.mark.parametrize("task", [None, "print(3)", [IO_TASK], {"prompt": "x"}, {"kind": "io"}])
def test_validate_rejects_non_tasks_and_missing_keys(task):
    with pytest.raises(InvalidTaskError, match=r"mapping|missing"):
        validate_task(task)


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("3\n", "3"),
        ("a  \r\nb\t\n\n \n", "a\nb"),
        ("  indented\n\nafter a blank\n", "  indented\n\nafter a blank"),
        ("", ""),
        ("\n\n", ""),
    ],
)
def test_normalize_output_strips_line_ends_and_trailing_blank_lines(text, normal):
    assert normalize_output(text) == normal
