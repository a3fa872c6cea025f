"""Load code tasks from the common JSONL dataset shapes.

- Function tasks (HumanEval, MBPP and alike): a statement (``prompt``, ``text`` or
  ``question``), Python test code (``test``/``test_code``, or MBPP's ``test_list`` of
  assert lines), an ``entry_point`` (derived from the solution's ``def`` when missing),
  and optionally a solution (``canonical_solution``, ``code`` or ``solution``).
- Io tasks (APPS, CodeContests and alike): a statement (``question``, ``prompt``,
  ``problem`` or ``description``), stdin/stdout tests (APPS ``input_output``, top-level
  ``inputs``/``outputs``, a ``tests`` list, or CodeContests ``public_tests``,
  ``private_tests`` and ``generated_tests``), and optionally ``solution``/``solutions``.

Every loaded task passes :func:`~cogym.envs.code.task.validate_task`; errors name the file
and line and the field that is missing or wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cogym.core.errors import InvalidTaskError
from cogym.core.tasks import load_jsonl
from cogym.envs.code.task import validate_task

FUNCTION_STATEMENT_KEYS = ("prompt", "text", "question")
FUNCTION_SOLUTION_KEYS = ("canonical_solution", "code", "solution")
IO_STATEMENT_KEYS = ("question", "prompt", "problem", "description")
FUNCTION_MARKERS = ("entry_point", "test", "test_code", "test_list")
EXAMPLE_KEYS = ("examples", "public_tests")
HIDDEN_TEST_KEYS = ("private_tests", "generated_tests", "input_output", "tests")
PYTHON3_LANGUAGES = (3, "3", "PYTHON3", "python3", "Python3", "python")
DATASET_FAMILY = "dataset"

Task = dict[str, Any]


def _first_text(record: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """Return the first of ``keys`` whose value is a non-empty string, else ``None``."""
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _statement(record: Mapping[str, Any], keys: tuple[str, ...], kind: str) -> str:
    """Return the record's statement, or raise naming the fields looked at."""
    statement = _first_text(record, keys)
    if statement is None:
        raise InvalidTaskError(
            f"{kind} record needs a statement: a non-empty string in one of {list(keys)}"
        )
    return statement


# -- function tasks -----------------------------------------------------------------------


def _test_code(record: Mapping[str, Any]) -> str:
    """Return the record's test code: ``test``/``test_code``, or ``test_list`` joined.

    MBPP's ``test_imports`` and ``test_setup_code`` go first when present.
    """
    code = _first_text(record, ("test", "test_code"))
    if code is None and "test_list" in record:
        lines = record["test_list"]
        if not isinstance(lines, list) or not lines or not all(isinstance(s, str) for s in lines):
            raise InvalidTaskError(
                f"'test_list' must be a non-empty list of assert strings; got {lines!r:.80}"
            )
        code = "\n".join(lines) + "\n"
    if code is None:
        raise InvalidTaskError(
            "function record needs tests: 'test' or 'test_code' (a string of Python "
            "test code) or 'test_list' (a list of assert strings)"
        )
    imports = record.get("test_imports")
    setup = [line for line in imports if isinstance(line, str)] if isinstance(imports, list) else []
    if _first_text(record, ("test_setup_code",)):
        setup.append(record["test_setup_code"])
    return "\n".join([*setup, code]) if setup else code


def _function_solution(record: Mapping[str, Any], statement: str) -> str | None:
    """Return the record's solution source, completing a HumanEval-style body.

    A solution whose first non-blank line is indented is the body of the function stub
    that ends the statement (HumanEval's ``canonical_solution``), so the statement goes
    in front of it.
    """
    solution = _first_text(record, FUNCTION_SOLUTION_KEYS)
    if solution is None:
        return None
    first = next(line for line in solution.splitlines() if line.strip())
    if first[:1].isspace():
        joint = "" if statement.endswith("\n") else "\n"
        return statement + joint + solution
    return solution


def _entry_point(record: Mapping[str, Any], solution: str | None, test_code: str) -> str:
    """Return ``entry_point``, or the solution's function that the tests call.

    :param record: the dataset record.
    :param solution: the solution source, if any.
    :param test_code: the tests, used to choose among several defined functions.
    """
    given = record.get("entry_point")
    if given is not None:
        if not isinstance(given, str):
            raise InvalidTaskError(f"'entry_point' must be a function name; got {given!r:.80}")
        return given
    names = re.findall(r"^def\s+([A-Za-z_]\w*)\s*\(", solution or "", flags=re.MULTILINE)
    if not names:
        raise InvalidTaskError(
            "function record needs 'entry_point', or a solution ('canonical_solution', "
            "'code' or 'solution') that defines the function with 'def name('"
        )
    called = [name for name in names if re.search(rf"\b{name}\s*\(", test_code)]
    return (called or names)[0]


def _signature(entry_point: str, *sources: str | None) -> str | None:
    """Return ``def entry_point(...) -> ...`` from the first source defining it on one line."""
    pattern = (
        rf"^[ \t]*def[ \t]+{re.escape(entry_point)}[ \t]*\((?P<args>.*)\)"
        r"[ \t]*(?P<returns>->[^:]+?)?[ \t]*:[ \t\r]*(#.*)?$"
    )
    for text in sources:
        match = re.search(pattern, text or "", flags=re.MULTILINE)
        if match:
            returns = f" {match['returns'].strip()}" if match["returns"] else ""
            return f"def {entry_point}({match['args']}){returns}"
    return None


def function_task_from_record(record: Mapping[str, Any]) -> Task:
    """Turn a HumanEval- or MBPP-like record into a function task.

    When the statement does not mention the function's name (MBPP), a sentence naming it
    is added, so that the statement says what to write.

    :param record: the dataset record.
    :return: a validated task of kind ``"function"`` graded by its ``test_code``.
    """
    statement = _statement(record, FUNCTION_STATEMENT_KEYS, "function")
    test_code = _test_code(record)
    solution = _function_solution(record, statement)
    entry_point = _entry_point(record, solution, test_code)
    signature = _signature(entry_point, statement, solution)
    if not re.search(rf"\b{re.escape(entry_point)}\b", statement):
        named = f"`{signature}`" if signature else f"`{entry_point}`"
        statement = f"{statement.rstrip()}\n\nWrite it as the Python function {named}."
    return validate_task(
        {
            "kind": "function",
            "family": DATASET_FAMILY,
            "prompt": statement,
            "entry_point": entry_point,
            "signature": signature,
            "examples": [],
            "tests": [],
            "test_code": test_code,
            "solution": solution,
        }
    )


# -- io tasks -----------------------------------------------------------------------------


def _stream_text(value: Any, where: str) -> str:
    """Return stdin or stdout text; a list of lines is joined with newlines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(f"{line}\n" for line in value)
    raise InvalidTaskError(f"{where} must be a string (or a list of lines); got {value!r:.80}")


def _paired(inputs: Any, outputs: Any, where: str) -> list[dict[str, str]]:
    """Zip parallel input and output lists into cases."""
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
        raise InvalidTaskError(
            f"'{where}' needs input and output lists of the same length; got "
            f"{inputs!r:.60} and {outputs!r:.60}"
        )
    return [
        {
            "input": _stream_text(given, f"'{where}' input {n}"),
            "output": _stream_text(wanted, f"'{where}' output {n}"),
        }
        for n, (given, wanted) in enumerate(zip(inputs, outputs, strict=True))
    ]


def _cases(value: Any, where: str) -> list[dict[str, str]]:
    """Read stdin/stdout cases from any supported shape.

    :param value: a JSON string of one of the shapes below; a dict of parallel lists
        (``inputs``/``outputs`` as in APPS, ``input``/``output`` as in CodeContests); or a
        list of ``{"input", "output"}`` dicts.
    :param where: the field's name, for error messages.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # not JSON, too deep, or a number too long
            raise InvalidTaskError(
                f"'{where}' is a string but not valid JSON (or nested too deeply)"
            ) from None
    if isinstance(value, Mapping):
        if "fn_name" in value:
            raise InvalidTaskError(
                f"'{where}' has 'fn_name': a call-based task, which load_io_tasks does not "
                "read; convert it to a function task with 'entry_point' and 'test_code'"
            )
        inputs = value.get("inputs", value.get("input"))
        outputs = value.get("outputs", value.get("output"))
        return _paired(inputs, outputs, where)
    if isinstance(value, list) and all(
        isinstance(case, Mapping) and "input" in case and "output" in case for case in value
    ):
        return _paired([c["input"] for c in value], [c["output"] for c in value], where)
    raise InvalidTaskError(
        f"'{where}' must hold inputs and outputs: a dict of 'inputs'/'outputs' lists or a "
        f"list of {{'input', 'output'}} dicts; got {value!r:.80}"
    )


def _collect(record: Mapping[str, Any], keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Concatenate the cases of every key of ``keys`` that the record has."""
    cases: list[dict[str, str]] = []
    for key in keys:
        if record.get(key) is not None:
            cases += _cases(record[key], key)
    return cases


def _io_cases(record: Mapping[str, Any]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Return ``(examples, tests)`` of an io record.

    Separate ``examples``/``public_tests`` become the examples; otherwise the first two
    tests are also shown as examples. Without hidden tests, the examples are the tests.
    """
    tests = _collect(record, HIDDEN_TEST_KEYS)
    if record.get("inputs") is not None or record.get("outputs") is not None:
        tests += _paired(record.get("inputs"), record.get("outputs"), "inputs/outputs")
    has_examples = any(record.get(key) is not None for key in EXAMPLE_KEYS)
    examples = _collect(record, EXAMPLE_KEYS) if has_examples else tests[:2]
    if not tests:
        tests = list(examples)
    if not tests:
        raise InvalidTaskError(
            "io record needs tests: 'input_output', 'inputs'/'outputs', 'tests', or "
            "'public_tests'/'private_tests'/'generated_tests'"
        )
    return examples, tests


def _python_solution(solutions: Mapping[str, Any]) -> str | None:
    """Return the first Python 3 solution of a CodeContests ``solutions`` dict."""
    languages = solutions.get("language")
    sources = solutions.get("solution")
    if not isinstance(sources, list):
        return None
    if not isinstance(languages, list):
        languages = [3] * len(sources)
    for language, text in zip(languages, sources, strict=False):
        if language in PYTHON3_LANGUAGES and isinstance(text, str) and text.strip():
            return text
    return None


def _io_solution(record: Mapping[str, Any]) -> str | None:
    """Return the record's first solution, if it has one.

    ``solutions`` may be a list, a JSON string of a list (APPS), or a dict of
    ``language``/``solution`` lists (CodeContests, where only Python 3 ones count).
    """
    solutions = record.get("solution")
    if solutions is None:
        solutions = record.get("solutions")
    if isinstance(solutions, str):
        try:
            solutions = json.loads(solutions)
        except (ValueError, RecursionError):  # not JSON: the solution's own text
            return solutions if solutions.strip() else None
    if isinstance(solutions, Mapping):
        return _python_solution(solutions)
    if isinstance(solutions, list):
        return next((s for s in solutions if isinstance(s, str) and s.strip()), None)
    return solutions if isinstance(solutions, str) and solutions.strip() else None


def io_task_from_record(record: Mapping[str, Any]) -> Task:
    """Turn an APPS- or CodeContests-like stdin/stdout record into an io task.

    :param record: the dataset record.
    :return: a validated task of kind ``"io"``.
    """
    statement = _statement(record, IO_STATEMENT_KEYS, "io")
    examples, tests = _io_cases(record)
    return validate_task(
        {
            "kind": "io",
            "family": DATASET_FAMILY,
            "prompt": statement,
            "entry_point": None,
            "signature": None,
            "examples": examples,
            "tests": tests,
            "test_code": None,
            "solution": _io_solution(record),
        }
    )


# -- files --------------------------------------------------------------------------------


def task_from_record(record: Mapping[str, Any]) -> Task:
    """Turn a record of any supported shape into a task.

    A record with ``kind`` is already in cogym's schema; one with ``entry_point``,
    ``test``, ``test_code`` or ``test_list`` is a function record; any other is io.

    :param record: the dataset record.
    """
    if "kind" in record:
        return validate_task(record)
    if any(key in record for key in FUNCTION_MARKERS):
        return function_task_from_record(record)
    return io_task_from_record(record)


def load_function_tasks(path: str | Path) -> list[Task]:
    """Load HumanEval/MBPP-like records, one per line, as function tasks.

    :param path: the JSONL file.
    """
    return load_jsonl(path, function_task_from_record)


def load_io_tasks(path: str | Path) -> list[Task]:
    """Load APPS/CodeContests-like records, one per line, as io tasks.

    :param path: the JSONL file.
    """
    return load_jsonl(path, io_task_from_record)


def load_tasks(path: str | Path) -> list[Task]:
    """Load a JSONL file whose records may mix every supported shape (see :func:`task_from_record`).

    :param path: the JSONL file.
    """
    return load_jsonl(path, task_from_record)
