"""Run a submission against test inputs inside the sandbox, and judge it on the host.

For function tasks the sandboxed harness only *computes*: it loads the submission,
calls the entry point on each test input, and prints the return values. The expected
outputs never enter the sandbox; the host compares. So a submission that prints fake
results gains nothing: it can only be right by returning the right values.

Tasks from datasets that come with test code (HumanEval/MBPP style) run that code after
the submission inside the sandbox; a submission crafted to subvert such a checker from
within its own process could, so generated tasks (compared on the host) are the ones to
train on when reward hacking matters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cogym.envs.code.task import normalize_output

RESULTS_MARKER = "__COGYM_RESULTS__"
MAX_SHOWN = 200  # characters of a value or error shown in feedback

_FUNCTION_HARNESS = """
import copy, io, json, signal, sys, traceback

SOURCE = {source!r}
ENTRY = {entry!r}
INPUTS = json.loads({inputs!r})
PER_TEST_S = {per_test_s!r}
_real_stdout = sys.stdout


class _TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise _TestTimeout()


def _report(payload):
    sys.stdout = _real_stdout
    print("\\n{marker}" + json.dumps(payload), flush=True)


namespace = {{"__name__": "__main__"}}
try:
    sys.stdout = io.StringIO()
    exec(compile(SOURCE, "solution.py", "exec"), namespace)
except BaseException:
    _report({{"load_error": traceback.format_exc(limit=3)[-2000:]}})
    sys.exit(0)
function = namespace.get(ENTRY)
if not callable(function):
    _report({{"load_error": "no function named " + repr(ENTRY) + " is defined"}})
    sys.exit(0)
signal.signal(signal.SIGALRM, _alarm)
results = []
for args in INPUTS:
    sys.stdout = io.StringIO()
    signal.setitimer(signal.ITIMER_REAL, PER_TEST_S)
    try:
        value = function(*copy.deepcopy(args))
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            results.append({{"value": json.loads(json.dumps(value))}})
        except (TypeError, ValueError):
            results.append({{"error": "returned " + type(value).__name__ + ", not a JSON value"}})
    except _TestTimeout:
        results.append({{"error": "timed out after " + str(PER_TEST_S) + " s"}})
    except BaseException as error:
        signal.setitimer(signal.ITIMER_REAL, 0)
        results.append({{"error": type(error).__name__ + ": " + str(error)[:300]}})
_report({{"results": results}})
"""

_TEST_CODE_HARNESS = """
import sys, traceback

SOURCE = {source!r}
TEST_CODE = {test_code!r}
ENTRY = {entry!r}
namespace = {{"__name__": "__main__"}}
try:
    exec(compile(SOURCE, "solution.py", "exec"), namespace)
    exec(compile(TEST_CODE, "tests.py", "exec"), namespace)
    if callable(namespace.get("check")):
        namespace["check"](namespace[ENTRY])
except BaseException:
    print(traceback.format_exc(limit=3)[-2000:], file=sys.stderr)
    sys.exit(1)
print("\\n{marker}" + '{{"passed": true}}', flush=True)
"""


@dataclass
class TestOutcome:
    """One test's verdict.

    :param passed: whether the output matched.
    :param got: the submission's output, shortened for feedback.
    :param error: what went wrong (exception, timeout, crash), if anything.
    """

    passed: bool
    got: str = ""
    error: str | None = None


def function_program(source: str, entry_point: str, inputs: list[Any], per_test_s: float) -> str:
    """The sandboxed program that calls ``entry_point`` on each input and prints results."""
    return _FUNCTION_HARNESS.format(
        source=source,
        entry=entry_point,
        inputs=json.dumps(inputs),
        per_test_s=float(per_test_s),
        marker=RESULTS_MARKER,
    )


def test_code_program(source: str, test_code: str, entry_point: str) -> str:
    """The sandboxed program that runs dataset test code against the submission."""
    return _TEST_CODE_HARNESS.format(
        source=source, test_code=test_code, entry=entry_point, marker=RESULTS_MARKER
    )


def _shorten(text: str) -> str:
    text = text if isinstance(text, str) else repr(text)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _last_payload(stdout: str) -> dict[str, Any] | None:
    """The JSON after the last results marker, if any."""
    index = stdout.rfind(RESULTS_MARKER)
    if index < 0:
        return None
    line = stdout[index + len(RESULTS_MARKER) :].splitlines()[0] if stdout[index:] else ""
    try:
        payload = json.loads(line)
    except json.JSONDecodeError:
        return None
    return payload if isinstance(payload, dict) else None


def judge_function(stdout: str, crash: str, expected: list[Any]) -> list[TestOutcome]:
    """Compare the harness's printed values with the expected outputs (on the host).

    :param stdout: the harness run's stdout.
    :param crash: what to report for every test when no results came back.
    :param expected: the expected outputs, in input order.
    """
    payload = _last_payload(stdout)
    if payload is None:
        return [TestOutcome(False, error=crash) for _ in expected]
    if "load_error" in payload:
        return [TestOutcome(False, error=_shorten(str(payload["load_error"]))) for _ in expected]
    results = payload.get("results")
    if not isinstance(results, list) or len(results) != len(expected):
        return [TestOutcome(False, error="the harness output was malformed") for _ in expected]
    outcomes = []
    for result, want in zip(results, expected, strict=True):
        if not isinstance(result, dict) or "value" not in result:
            error = result.get("error") if isinstance(result, dict) else None
            outcomes.append(TestOutcome(False, error=_shorten(str(error or "no value"))))
            continue
        value = result["value"]
        want = json.loads(json.dumps(want))
        outcomes.append(TestOutcome(value == want, got=_shorten(json.dumps(value))))
    return outcomes


def judge_io(stdout: str, status: str, stderr: str, expected: str) -> TestOutcome:
    """Compare one stdin/stdout run's output with the expected output (on the host)."""
    got = normalize_output(stdout)
    if status != "ok":
        return TestOutcome(False, got=_shorten(got), error=_shorten(f"{status}: {stderr.strip()}"))
    return TestOutcome(got == normalize_output(expected), got=_shorten(got))


def judge_test_code(stdout: str, status: str, stderr: str) -> TestOutcome:
    """Did the dataset's test code run to the end (its marker printed, exit 0)?"""
    payload = _last_payload(stdout)
    if status == "ok" and payload == {"passed": True}:
        return TestOutcome(True)
    return TestOutcome(False, error=_shorten(f"{status}: {stderr.strip()[-MAX_SHOWN:]}"))
