import contextlib
import io
import json
import sys

import pytest

from cogym.core.errors import InvalidTaskError
from cogym.envs.code.generator import CodeConfig, task_at
from cogym.envs.code.loaders import load_function_tasks, load_io_tasks, load_tasks
from cogym.envs.code.task import normalize_output, validate_task

HUMANEVAL = {
    "task_id": "HumanEval/0",
    "prompt": (
        'def add(a: int, b: int) -> int:\n    """Return a + b.\n    >>> add(1, 2)\n    3\n    """\n'
    ),
    "canonical_solution": "    return a + b\n",
    "test": (
        "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"
    ),
    "entry_point": "add",
}
MBPP = {
    "task_id": 2,
    "text": "Write a function to find the shared elements of two lists, sorted.",
    "code": (
        "def as_set(items):\n    return set(items)\n\n\n"
        "def similar_elements(a, b):\n    return sorted(as_set(a) & as_set(b))\n"
    ),
    "test_list": [
        "assert similar_elements([3, 4, 5], [5, 7, 4]) == [4, 5]",
        "assert similar_elements([1], [2]) == []",
    ],
    "test_setup_code": "",
    "challenge_test_list": [],
}
ADD_PROGRAM = "a, b = map(int, input().split())\nprint(a + b)\n"
APPS = {
    "problem_id": 1,
    "question": "Read two integers on one line and print their sum.",
    "input_output": json.dumps(
        {"inputs": ["1 2\n", "3 4\n", "5 6\n"], "outputs": ["3\n", "7\n", "11\n"]}
    ),
    "solutions": json.dumps([ADD_PROGRAM, "print(sum(map(int, input().split())))\n"]),
}
CODE_CONTESTS = {
    "name": "sum",
    "description": "Print the sum of two integers given on one line.",
    "public_tests": {"input": ["1 2\n"], "output": ["3\n"]},
    "private_tests": {"input": ["10 20\n", "-1 1\n"], "output": ["30\n", "0\n"]},
    "generated_tests": {"input": ["0 0\n"], "output": ["0\n"]},
    "solutions": {"language": [2, 3], "solution": ["int main() {}", ADD_PROGRAM]},
}


def write_jsonl(path, records) -> str:
    """Write one JSON record per line (strings are written as they are)."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def passes_test_code(task: dict) -> bool:
    """Run the solution, then the test code, then check(entry_point) if the tests define it."""
    namespace: dict = {"__name__": "solution"}
    exec(task["solution"], namespace)
    exec(task["test_code"], namespace)
    if "check" in namespace:
        namespace["check"](namespace[task["entry_point"]])
    return True


def program_output(solution: str, stdin: str) -> str:
    """Run a program with stdin, returning its stdout."""
    captured, saved = io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(captured):
            exec(solution, {"__name__": "__main__"})
    finally:
        sys.stdin = saved
    return captured.getvalue()


# -- function records ------------------------------------------------------------------------


def test_humaneval_record_completes_the_stub_with_the_canonical_body(tmp_path):
    (task,) = load_function_tasks(write_jsonl(tmp_path / "he.jsonl", [HUMANEVAL]))
    assert validate_task(task) == task
    assert (task["kind"], task["family"], task["entry_point"]) == ("function", "dataset", "add")
    assert task["prompt"] == HUMANEVAL["prompt"]
    assert task["signature"] == "def add(a: int, b: int) -> int"
    assert task["solution"] == HUMANEVAL["prompt"] + HUMANEVAL["canonical_solution"]
    assert task["test_code"] == HUMANEVAL["test"]
    assert task["examples"] == [] and task["tests"] == []
    assert passes_test_code(task)


def test_mbpp_record_derives_the_entry_point_the_tests_call(tmp_path):
    (task,) = load_function_tasks(write_jsonl(tmp_path / "mbpp.jsonl", [MBPP]))
    assert task["entry_point"] == "similar_elements"
    assert task["signature"] == "def similar_elements(a, b)"
    assert task["solution"] == MBPP["code"]
    assert task["test_code"] == "\n".join(MBPP["test_list"]) + "\n"
    assert task["prompt"].startswith(MBPP["text"])
    assert "`def similar_elements(a, b)`" in task["prompt"]
    assert passes_test_code(task)


def test_mbpp_code_with_windows_line_ends_still_gives_the_signature(tmp_path):
    record = {**MBPP, "code": MBPP["code"].replace("\n", "\r\n")}
    (task,) = load_function_tasks(write_jsonl(tmp_path / "mbpp.jsonl", [record]))
    assert task["signature"] == "def similar_elements(a, b)"
    assert passes_test_code(task)


def test_mbpp_setup_code_and_imports_run_before_the_asserts(tmp_path):
    record = {
        **MBPP,
        "test_setup_code": "LIMIT = 3",
        "test_imports": ["import math"],
        "test_list": ["assert math.isclose(len(similar_elements([1, 2, 3], [3, 2])), 2)"],
    }
    (task,) = load_function_tasks(write_jsonl(tmp_path / "mbpp.jsonl", [record]))
    assert task["test_code"].startswith("import math\nLIMIT = 3\n")
    assert passes_test_code(task)


def test_function_record_without_solution_loads_with_none(tmp_path):
    record = {
        "question": "Write `double(x)`.",
        "entry_point": "double",
        "test": "assert double(2) == 4",
    }
    (task,) = load_function_tasks(write_jsonl(tmp_path / "f.jsonl", [record]))
    assert task["solution"] is None and task["signature"] is None
    assert task["prompt"] == "Write `double(x)`."


# -- io records ------------------------------------------------------------------------------


def test_apps_record_reads_input_output_json_and_the_first_solution(tmp_path):
    (task,) = load_io_tasks(write_jsonl(tmp_path / "apps.jsonl", [APPS]))
    assert validate_task(task) == task
    assert (task["kind"], task["family"], task["entry_point"]) == ("io", "dataset", None)
    assert task["prompt"] == APPS["question"]
    assert [case["output"] for case in task["tests"]] == ["3\n", "7\n", "11\n"]
    assert task["examples"] == task["tests"][:2]
    assert task["solution"] == ADD_PROGRAM
    for case in task["tests"]:
        assert normalize_output(
            program_output(task["solution"], case["input"])
        ) == normalize_output(case["output"])


def test_code_contests_record_splits_public_and_private_tests(tmp_path):
    (task,) = load_io_tasks(write_jsonl(tmp_path / "cc.jsonl", [CODE_CONTESTS]))
    assert task["examples"] == [{"input": "1 2\n", "output": "3\n"}]
    assert task["tests"] == [
        {"input": "10 20\n", "output": "30\n"},
        {"input": "-1 1\n", "output": "0\n"},
        {"input": "0 0\n", "output": "0\n"},
    ]
    assert task["solution"] == ADD_PROGRAM


def test_code_contests_record_with_only_public_tests_grades_on_them(tmp_path):
    record = {"description": "Echo.", "public_tests": {"input": ["x\n"], "output": ["x\n"]}}
    (task,) = load_io_tasks(write_jsonl(tmp_path / "cc.jsonl", [record]))
    assert task["examples"] == task["tests"] == [{"input": "x\n", "output": "x\n"}]
    assert task["solution"] is None


@pytest.mark.parametrize(
    "cases",
    [
        {"inputs": ["1 2\n", "2 2\n"], "outputs": ["3\n", "4\n"]},
        {"tests": [{"input": "1 2\n", "output": "3\n"}, {"input": "2 2\n", "output": "4\n"}]},
        {"input_output": {"inputs": ["1 2\n", "2 2\n"], "outputs": ["3\n", "4\n"]}},
    ],
)
def test_io_records_take_tests_in_every_supported_shape(tmp_path, cases):
    record = {"problem": "Add.", "solution": ADD_PROGRAM, **cases}
    (task,) = load_io_tasks(write_jsonl(tmp_path / "io.jsonl", [record]))
    assert task["tests"] == [
        {"input": "1 2\n", "output": "3\n"},
        {"input": "2 2\n", "output": "4\n"},
    ]
    assert task["solution"] == ADD_PROGRAM


# -- mixed files -----------------------------------------------------------------------------


def test_load_tasks_sniffs_each_record_and_accepts_cogym_tasks(tmp_path):
    generated = task_at(CodeConfig(families=("io_bank_ledger",)), 0, 0)
    path = write_jsonl(
        tmp_path / "mixed.jsonl", [HUMANEVAL, APPS, "", MBPP, CODE_CONTESTS, generated]
    )
    tasks = load_tasks(path)
    assert [task["kind"] for task in tasks] == ["function", "io", "function", "io", "io"]
    assert tasks[-1] == generated


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loader", "record", "message"),
    [
        (load_tasks, "{not json", "not valid JSON"),
        (load_tasks, "[1, 2]", "must be a JSON object"),
        (load_function_tasks, {"prompt": "x", "entry_point": "f"}, "needs tests: 'test'"),
        (load_function_tasks, {"text": "x", "test_list": ["assert f()"]}, "needs 'entry_point'"),
        (load_function_tasks, {"entry_point": "f", "test": "assert f()"}, "needs a statement"),
        (load_function_tasks, {"text": "x", "test_list": []}, "'test_list' must be a non-empty"),
        (load_io_tasks, {"inputs": ["1\n"], "outputs": ["1\n"]}, "needs a statement"),
        (load_io_tasks, {"question": "x"}, "io record needs tests"),
        (load_io_tasks, {"question": "x", "inputs": ["1\n"], "outputs": []}, "same length"),
        (load_io_tasks, {"question": "x", "input_output": "{oops"}, "not valid JSON"),
        (
            load_io_tasks,
            {"question": "x", "input_output": {"fn_name": "f", "inputs": [[1]], "outputs": [[1]]}},
            "call-based",
        ),
        (load_io_tasks, {"question": "x", "tests": [{"input": 1, "output": "1"}]}, "string"),
        (load_tasks, {"kind": "io", "prompt": "x", "tests": []}, "needs hidden tests"),
    ],
)
def test_bad_records_raise_naming_the_file_line_and_field(tmp_path, loader, record, message):
    good = APPS if loader is load_io_tasks else HUMANEVAL
    path = write_jsonl(tmp_path / "bad.jsonl", [good, record])
    with pytest.raises(InvalidTaskError, match=message) as caught:
        loader(path)
    assert str(caught.value).startswith(f"{path}:2: ")


def test_an_empty_file_has_no_tasks(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(InvalidTaskError, match="no tasks"):
        load_tasks(path)
