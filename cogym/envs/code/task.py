"""The code task schema: what to write, how it is called, and the cases that grade it.

A task is a JSON-serialisable dict with exactly the keys of :data:`TASK_KEYS`:

- ``kind``: ``"function"`` (write a function named ``entry_point``) or ``"io"`` (write a
  program that reads standard input and writes standard output).
- ``family``: the generator family that made it, or ``"dataset"`` for loaded tasks.
- ``prompt``: the self-contained statement. The env shows ``examples`` next to it.
- ``entry_point`` / ``signature``: the function's name and its ``def`` line without the
  colon (``signature`` may be ``None`` when unknown); both ``None`` for io tasks.
- ``examples`` (shown) and ``tests`` (hidden): lists of ``{"input": ..., "output": ...}``.
  Function cases: ``input`` is the list of positional arguments and ``output`` the return
  value, compared with ``==`` after a JSON round trip. Io cases: ``input`` is the stdin
  text and ``output`` the expected stdout, compared after :func:`normalize_output`.
- ``test_code``: Python test code run after a function solution (HumanEval style, defining
  ``check(candidate)``, or MBPP style, plain asserts); ``tests`` may be empty only then.
- ``solution``: a reference solution's source, or ``None``.
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Mapping
from typing import Any

from cogym.core.errors import InvalidTaskError
from cogym.core.tasks import check_task_keys, short_repr

KINDS = ("function", "io")
TASK_KEYS = (
    "kind",
    "family",
    "prompt",
    "entry_point",
    "signature",
    "examples",
    "tests",
    "test_code",
    "solution",
)
CASE_KEYS = ("input", "output")
DEFAULT_FAMILY = "custom"


def normalize_output(text: str) -> str:
    """Return program output in the form io tasks compare it.

    Trailing whitespace is removed from every line (which also turns ``\\r\\n`` into
    ``\\n``) and trailing blank lines are dropped; leading whitespace and blank lines
    between others count.

    :param text: what a program printed, or an expected output.
    :return: the normalised text, without a final newline.
    """
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _json_copy(value: Any, where: str) -> Any:
    """Return ``value`` after a JSON round trip, or raise when it is not JSON data.

    :param value: the value to copy.
    :param where: names the value in the error message.
    """
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise InvalidTaskError(f"code task {where} must be JSON data ({error})") from None


def _text(task: Mapping[str, Any], key: str, *, optional: bool) -> str | None:
    """Check that ``task[key]`` is a non-empty string (or absent/``None`` when optional).

    :param task: the task mapping.
    :param key: the field to check.
    :param optional: whether ``None`` or a missing key is allowed.
    """
    value = task.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        allowed = "a non-empty string or None" if optional else "a non-empty string"
        raise InvalidTaskError(f"code task '{key}' must be {allowed}; got {short_repr(value)}")
    return value


def _validate_entry_point(task: Mapping[str, Any], kind: str) -> str | None:
    """Check ``entry_point``: a Python identifier for function tasks, ``None`` for io."""
    entry_point = task.get("entry_point")
    if kind == "io":
        if entry_point is not None:
            raise InvalidTaskError(
                f"io code task must have 'entry_point' None; got {short_repr(entry_point)}"
            )
        return None
    if (
        not isinstance(entry_point, str)
        or not entry_point.isidentifier()
        or keyword.iskeyword(entry_point)
    ):
        raise InvalidTaskError(
            f"function code task needs 'entry_point': the function's name, a Python "
            f"identifier such as 'rle_encode'; got {short_repr(entry_point)}"
        )
    return entry_point


def _validate_signature(task: Mapping[str, Any], kind: str, entry_point: str | None) -> str | None:
    """Check ``signature``: ``None``, or for function tasks ``"def <entry_point>(...)"``."""
    signature = task.get("signature")
    if signature is None:
        return None
    if kind == "io":
        raise InvalidTaskError(
            f"io code task must have 'signature' None (describe the input format in "
            f"'prompt'); got {short_repr(signature)}"
        )
    if not isinstance(signature, str) or not signature.startswith(f"def {entry_point}("):
        raise InvalidTaskError(
            f"code task 'signature' must be None or a def line starting with "
            f"'def {entry_point}('; got {short_repr(signature)}"
        )
    return signature


def _validate_case(case: Any, kind: str, where: str) -> dict[str, Any]:
    """Check one example or test and return a JSON copy.

    :param case: the ``{"input": ..., "output": ...}`` mapping.
    :param kind: the task's kind, which fixes the types of input and output.
    :param where: names the case in error messages, e.g. ``"tests[3]"``.
    """
    if not isinstance(case, Mapping) or sorted(case) != sorted(CASE_KEYS):
        raise InvalidTaskError(
            f"code task {where} must be a dict with exactly the keys 'input' and 'output'; "
            f"got {short_repr(case)}"
        )
    if kind == "function":
        if not isinstance(case["input"], list | tuple):
            raise InvalidTaskError(
                f"code task {where}['input'] must be the list of positional arguments; "
                f"got {short_repr(case['input'])}"
            )
        return _json_copy({"input": list(case["input"]), "output": case["output"]}, where)
    for key in CASE_KEYS:
        if not isinstance(case[key], str):
            raise InvalidTaskError(
                f"io code task {where}['{key}'] must be a string (stdin or stdout text); "
                f"got {short_repr(case[key])}"
            )
    return {"input": case["input"], "output": case["output"]}


def _validate_cases(task: Mapping[str, Any], key: str, kind: str) -> list[dict[str, Any]]:
    """Check the ``examples`` or ``tests`` list and return clean copies of its cases."""
    cases = task.get(key, [])
    if not isinstance(cases, list | tuple):
        raise InvalidTaskError(
            f"code task '{key}' must be a list of {{'input': ..., 'output': ...}} dicts; "
            f"got {short_repr(cases)}"
        )
    return [_validate_case(case, kind, f"{key}[{n}]") for n, case in enumerate(cases)]


def _check_keys(task: Any) -> None:
    """Raise unless ``task`` is a mapping with known keys and a ``kind`` and ``prompt``."""
    check_task_keys(
        task,
        family="code",
        allowed=TASK_KEYS,
        required=("kind", "prompt"),
        example="{'kind': 'io', 'prompt': '...', 'tests': [{'input': '1 2\\n', 'output': '3\\n'}]}",
    )
    if task["kind"] not in KINDS:
        raise InvalidTaskError(
            f"code task 'kind' must be 'function' or 'io'; got {short_repr(task['kind'])}"
        )


def validate_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """Check a code task against the schema and return a clean copy with every key.

    ``kind`` and ``prompt`` are required, and so are ``entry_point`` for function tasks
    and a non-empty ``tests`` unless ``test_code`` is given (function tasks only). Missing
    optional keys get their defaults: ``family`` ``"custom"``, ``examples`` and ``tests``
    ``[]``, the others ``None``.

    :param task: the task mapping, e.g. from a generator, a JSONL file or reset options.
    :return: a new dict with exactly the keys of :data:`TASK_KEYS`; cases are JSON copies.
    """
    _check_keys(task)
    kind = task["kind"]
    entry_point = _validate_entry_point(task, kind)
    clean: dict[str, Any] = {
        "kind": kind,
        "family": _text({"family": task.get("family", DEFAULT_FAMILY)}, "family", optional=False),
        "prompt": _text(task, "prompt", optional=False),
        "entry_point": entry_point,
        "signature": _validate_signature(task, kind, entry_point),
        "examples": _validate_cases(task, "examples", kind),
        "tests": _validate_cases(task, "tests", kind),
        "test_code": _text(task, "test_code", optional=True),
        "solution": _text(task, "solution", optional=True),
    }
    if kind == "io" and clean["test_code"] is not None:
        raise InvalidTaskError(
            "io code task must have 'test_code' None; give stdin/stdout pairs in 'tests'"
        )
    if not clean["tests"] and clean["test_code"] is None:
        raise InvalidTaskError(
            "code task needs hidden tests: a non-empty 'tests' list, or 'test_code' "
            "for a function task"
        )
    return clean
