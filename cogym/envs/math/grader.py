"""Grade a model's final math answer against a gold answer with math-verify.

Extraction takes the last ``\\boxed{...}``, else the last ``<answer>...</answer>``.
Equivalence is math-verify's: both sides are parsed to SymPy (LaTeX first, plain
expressions as a fallback) and compared numerically, symbolically, as sets, intervals
or equations.

Time limit. math-verify's own timeout uses ``signal.alarm``, which has whole-second
resolution and only works in the main thread, and a signal cannot stop a long C-level
computation anyway. So parse and verify run in a persistent worker *subprocess*: inside
it a ``setitimer`` alarm bounds the Python-level work to ``timeout_s``, and the caller
kills the worker when no reply comes ``_KILL_GRACE_S`` later. This makes :func:`grade`
safe to call from any thread, and several threads grade in parallel (one worker each,
reused from a small idle pool). Starting a worker (importing SymPy) takes about a
second and is not counted against ``timeout_s``.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import re
import select
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cogym.core.answers import extract_boxed, extract_tag
from cogym.core.errors import InvalidArgumentError

GradeKind = str  # "correct" | "wrong_answer" | "no_answer" | "timeout" | "unparsable"

_KILL_GRACE_S = 0.5  # how long past timeout_s a worker may run before it is killed
_START_TIMEOUT_S = 60.0  # a worker that cannot import math-verify in this long is broken
_MAX_IDLE_WORKERS = 8
_SHOWN_ANSWER_CHARS = 80


@dataclass(frozen=True)
class Grade:
    """The verdict on one model output.

    :param kind: ``"correct"``, ``"wrong_answer"``, ``"no_answer"``, ``"timeout"`` or
        ``"unparsable"``; all but ``"correct"`` count as wrong.
    :param answer: the extracted answer text, or ``None`` when there was none.
    :param message: short feedback for the agent; it never contains the gold answer.
    """

    kind: GradeKind
    answer: str | None
    message: str

    @property
    def correct(self) -> bool:
        """Whether the answer was judged equal to the gold answer."""
        return self.kind == "correct"


def extract_final_answer(text: str) -> str | None:
    """Return the last ``\\boxed{...}`` content, else the last ``<answer>`` content.

    :param text: the model output.
    :return: the answer text, stripped, or ``None`` when the output has neither format.
    """
    boxed = extract_boxed(text)
    return boxed if boxed is not None else extract_tag(text, "answer")


# --- normalisation (runs in the worker) ------------------------------------------------

_TEXT_WRAPPER_RE = re.compile(r"^\\(?:text|textbf|mathrm|mbox)\s*\{(.*)\}$", re.DOTALL)
# plain-text names that LaTeX would otherwise read as products of letters (pi -> p*i)
_PLAIN_NAMES_RE = re.compile(r"(?<![\\A-Za-z])(pi|infinity|inf)(?![A-Za-z])")
_LATEX_NAMES = {"pi": r"\pi", "infinity": r"\infty", "inf": r"\infty"}


def _normalise(answer: str) -> str:
    """Make a bare answer read the same in LaTeX and plain notation."""
    answer = answer.strip().strip("$").strip()
    wrapped = _TEXT_WRAPPER_RE.match(answer)
    if wrapped and "{" not in wrapped.group(1):  # "\text{5 meters}" -> "5 meters"
        answer = wrapped.group(1).strip()
    answer = _PLAIN_NAMES_RE.sub(lambda m: _LATEX_NAMES[m.group(1)], answer)
    return answer.replace("**", "^").replace("*", r" \cdot ")


class _Timeout(BaseException):
    """Raised by the worker's alarm; a BaseException so math-verify does not swallow it."""


def _parse(answer: str) -> list[Any]:
    """Parse a bare answer as LaTeX, falling back to a plain expression."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse

    text = _normalise(answer)
    latex = parse(
        f"${text}$",
        extraction_config=[LatexExtractionConfig(boxed_match_priority=0)],
        parsing_timeout=None,  # the worker's own alarm bounds the time
    )
    if any(not isinstance(item, str) for item in latex):
        return latex
    plain = parse(answer, extraction_config=[ExprExtractionConfig()], parsing_timeout=None)
    return latex + plain


def _compare(answer: str, gold: str) -> str:
    """Return ``"correct"``, ``"wrong_answer"`` or ``"unparsable"`` for two bare answers."""
    from math_verify import verify

    parsed_answer, parsed_gold = _parse(answer), _parse(gold)
    if verify(parsed_gold, parsed_answer, timeout_seconds=None):
        return "correct"
    if all(isinstance(item, str) for item in parsed_answer):
        return "unparsable"
    return "wrong_answer"


def _serve() -> None:
    """Worker entry point: answer JSON ``[answer, gold, timeout_s]`` lines on stdin."""
    import logging
    import signal

    import math_verify  # noqa: F401  (import before signalling readiness)

    logging.getLogger("math_verify").setLevel(logging.ERROR)

    def on_alarm(signum: int, frame: Any) -> None:
        raise _Timeout

    signal.signal(signal.SIGALRM, on_alarm)
    print(json.dumps("ready"), flush=True)
    for line in sys.stdin:
        answer, gold, timeout_s = json.loads(line)
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout_s)
            try:
                verdict = _compare(answer, gold)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _Timeout:
            verdict = "timeout"
        except Exception:  # a parser bug must not take the worker down
            verdict = "unparsable"
        print(json.dumps(verdict), flush=True)


# --- worker pool (runs in the caller) --------------------------------------------------

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])
# drop the working directory from sys.path so that no local file shadows a module
_WORKER_BOOT = (
    "import runpy, sys; sys.path.pop(0); runpy.run_path(sys.argv[1], run_name='__main__')"
)


class _Worker:
    """One grading process (a plain subprocess, so no ``__main__`` guard is needed)."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            # run this file as a script, so the worker skips the env package's imports
            [sys.executable, "-c", _WORKER_BOOT, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        if self._read(_START_TIMEOUT_S) != "ready":
            self.kill()
            raise RuntimeError("the math grading worker did not start; is math-verify installed?")

    def _read(self, wait_s: float) -> str | None:
        """One reply line, or ``None`` when none arrives within ``wait_s``."""
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], wait_s)
        line = self.process.stdout.readline() if ready else ""
        return json.loads(line) if line else None

    def ask(self, answer: str, gold: str, timeout_s: float) -> str | None:
        """Return the worker's verdict, or ``None`` when it overran (and was killed)."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps([answer, gold, timeout_s]) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            self.kill()
            return None
        verdict = self._read(timeout_s + _KILL_GRACE_S)
        if verdict is None:
            self.kill()
        return verdict

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


_idle: list[_Worker] = []
_idle_lock = threading.Lock()


def _take_worker() -> _Worker:
    with _idle_lock:
        if _idle:
            return _idle.pop()
    return _Worker()


def _give_back(worker: _Worker) -> None:
    with _idle_lock:
        if len(_idle) < _MAX_IDLE_WORKERS:
            _idle.append(worker)
            return
    worker.kill()


@atexit.register
def _close_workers() -> None:
    with _idle_lock:
        workers, _idle[:] = list(_idle), []
    for worker in workers:
        worker.kill()


def _check_timeout(timeout_s: float) -> None:
    if not (isinstance(timeout_s, (int, float)) and math.isfinite(timeout_s) and timeout_s > 0):
        raise InvalidArgumentError(
            f"timeout_s must be a positive number of seconds, got {timeout_s!r}"
        )


def _judge(answer: str, gold: str, timeout_s: float) -> str:
    """Run one comparison in a worker; ``"timeout"`` when it overran."""
    _check_timeout(timeout_s)
    worker = _take_worker()
    verdict = worker.ask(answer, gold, timeout_s)
    if verdict is None:
        return "timeout"
    _give_back(worker)
    return verdict


# --- public API ------------------------------------------------------------------------


def is_equivalent(answer: str, gold: str, *, timeout_s: float = 2.0) -> bool:
    """Whether two bare answers are mathematically equal, according to math-verify.

    :param answer: the candidate answer, LaTeX or plain (``"\\frac{1}{2}"``, ``"0.5"``).
    :param gold: the reference answer.
    :param timeout_s: the time limit for parsing and comparing; overrunning counts as False.
    :return: True when they are judged equal.
    """
    return _judge(answer, gold, timeout_s) == "correct"


def _shown(answer: str) -> str:
    if len(answer) <= _SHOWN_ANSWER_CHARS:
        return answer
    return answer[: _SHOWN_ANSWER_CHARS - 3] + "..."


def grade(text: str, gold: str, *, timeout_s: float = 2.0, max_answer_chars: int = 1000) -> Grade:
    """Extract the final answer from ``text`` and grade it against ``gold``.

    :param text: the model output.
    :param gold: the reference answer.
    :param timeout_s: the time limit for parsing and comparing; overrunning grades
        ``"timeout"``, which counts as wrong.
    :param max_answer_chars: longer answers are graded ``"unparsable"`` without parsing.
    :return: the verdict, with feedback that never reveals ``gold``.
    """
    if max_answer_chars < 1:
        raise InvalidArgumentError(f"max_answer_chars must be at least 1, got {max_answer_chars}")
    _check_timeout(timeout_s)
    answer = extract_final_answer(text)
    if answer is None or not answer:
        return Grade(
            "no_answer",
            answer,
            "No final answer found: write it as \\boxed{...} or <answer>...</answer>.",
        )
    if len(answer) > max_answer_chars:
        return Grade(
            "unparsable",
            answer,
            f"Your answer is {len(answer)} characters long; the limit is {max_answer_chars}. "
            "Give only the final answer.",
        )
    verdict = _judge(answer, gold, timeout_s)
    if verdict == "correct":
        return Grade("correct", answer, "Correct.")
    if verdict == "timeout":
        return Grade(
            "timeout",
            answer,
            f"Checking your answer took longer than {timeout_s:g} s, so it counts as wrong. "
            "Give a simplified final answer.",
        )
    if verdict == "unparsable":
        return Grade(
            "unparsable",
            answer,
            f"Could not read {_shown(answer)!r} as a math expression.",
        )
    return Grade("wrong_answer", answer, f"Your answer {_shown(answer)!r} is not correct.")


if __name__ == "__main__":
    _serve()
