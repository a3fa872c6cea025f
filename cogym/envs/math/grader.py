"""Grade a model's final math answer against a gold answer with math-verify.

Extraction takes the last ``\\boxed{...}``, else the last ``<answer>...</answer>``.
Equivalence is math-verify's: both sides are parsed to SymPy (LaTeX first, plain
expressions as a fallback) and compared numerically, symbolically, as sets, intervals
or equations.

Time limit. math-verify's own timeout uses ``signal.alarm``, which has whole-second
resolution and only works in the main thread, and a signal cannot stop a long C-level
computation anyway. So parse and verify run in worker *subprocesses*: inside one a
``setitimer`` alarm bounds the Python-level work to ``timeout_s``, and the caller kills
the worker when no reply comes ``_KILL_GRACE_S`` later.

A :class:`MathGrader` owns its workers: it starts them lazily, one per thread grading
at that moment, keeps a bounded number idle for reuse, and ends them on ``close()``, on
leaving a ``with`` block, or when it is garbage collected. Starting a worker (importing
SymPy) takes about a second and is not counted against ``timeout_s``; keep one grader
for many calls. :func:`grade`, :func:`is_equivalent` and :func:`verify` take a
``grader``; without one they use a temporary grader that ends before they return.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cogym.core import forks
from cogym.core.answers import extract_answer
from cogym.core.checks import check_int, check_number
from cogym.core.errors import CogymError, InvalidArgumentError
from cogym.core.verdict import Verdict

GradeKind = str  # "correct" | "wrong_answer" | "no_answer" | "timeout" | "unparsable"

_KILL_GRACE_S = 0.5  # how long past timeout_s a worker may run before it is killed
_START_TIMEOUT_S = 60.0  # a worker that cannot import math-verify in this long is broken
_MAX_IDLE_WORKERS = 8
#: The most idle workers a grader may keep (each holds SymPy, about 100 MB).
MAX_IDLE_WORKERS = 64
_SHOWN_ANSWER_CHARS = 80
#: Where :func:`grade` looks for the final answer, in priority order.
ANSWER_FORMATS = ("boxed", "tag")


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
    found = extract_answer(text, ANSWER_FORMATS)
    return None if found is None else found.text


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


def _parse(answer: str, parsing_timeout: int | None = None) -> list[Any]:
    """Parse a bare answer as LaTeX, falling back to a plain expression.

    :param parsing_timeout: math-verify's own (SIGALRM) limit in seconds; ``None`` in the
        worker, whose alarm bounds the time.
    """
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse

    text = _normalise(answer)
    latex = parse(
        f"${text}$",
        extraction_config=[LatexExtractionConfig(boxed_match_priority=0)],
        parsing_timeout=parsing_timeout,
    )
    if _readable(latex):
        return latex
    plain = parse(
        answer, extraction_config=[ExprExtractionConfig()], parsing_timeout=parsing_timeout
    )
    return latex + plain


def _readable(parsed: list[Any]) -> bool:
    """Whether math-verify read anything as math (it returns strings for what it could not)."""
    return any(not isinstance(item, str) for item in parsed)


def is_readable(answer: str, parsing_timeout: int | None = None) -> bool:
    """Whether the grader reads ``answer`` as math, exactly as it reads a gold answer
    (:func:`_parse`), in this process. A gold it cannot read grades every reply wrong.

    :param answer: a bare answer such as ``"\\frac{3}{4}"``.
    :param parsing_timeout: math-verify's own limit in seconds (main thread only), or ``None``.
    """
    return _readable(_parse(answer, parsing_timeout))


def _compare(answer: str, gold: str) -> str:
    """Return ``"correct"``, ``"wrong_answer"`` or ``"unparsable"`` for two bare answers."""
    from math_verify import verify

    parsed_answer, parsed_gold = _parse(answer), _parse(gold)
    if verify(parsed_gold, parsed_answer, timeout_seconds=None):
        return "correct"
    if not _readable(parsed_answer):
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


# --- workers (run in the caller) -------------------------------------------------------

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])
# drop the working directory from sys.path so that no local file shadows a module
_WORKER_BOOT = (
    "import runpy, sys; sys.path.pop(0); runpy.run_path(sys.argv[1], run_name='__main__')"
)


CLOSED_MESSAGE = "this MathGrader is closed; create a new one"


class GraderClosedError(CogymError, RuntimeError):
    """A :class:`MathGrader` was used after ``close()``."""


class GraderStartError(CogymError, RuntimeError):
    """A grading worker could not start."""


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
            raise GraderStartError(
                "the math grading worker did not start; check that math-verify is installed "
                "(pip install math-verify)"
            )

    def _read(self, wait_s: float) -> str | None:
        """One reply line, or ``None`` when none arrives within ``wait_s``."""
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], wait_s)
        line = self.process.stdout.readline() if ready else ""
        return json.loads(line) if line else None

    def ask(self, answer: str, gold: str, timeout_s: float) -> str | None:
        """Return the worker's verdict, or ``None`` when it overran or died."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps([answer, gold, timeout_s]) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            return None
        return self._read(timeout_s + _KILL_GRACE_S)

    def stop(self) -> None:
        """Kill the process without touching its pipes (safe while another thread reads)."""
        self.process.kill()

    def kill(self) -> None:
        """Kill the process, reap it and close its pipes."""
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class _Workers:
    """The worker processes of one grader: idle ones for reuse, and busy ones.

    Kept apart from :class:`MathGrader` so that the grader's finalizer can end them
    without holding a reference to the grader.
    """

    def __init__(self, max_idle: int) -> None:
        self.max_idle = max_idle
        self.lock = threading.Lock()
        self.idle: list[_Worker] = []
        self.busy: set[_Worker] = set()
        self.closed = False

    def take(self) -> _Worker:
        """An idle worker, or a new one; raises once the grader is closed."""
        with self.lock:
            self.check_open()
            if self.idle:
                worker = self.idle.pop()
                self.busy.add(worker)
                return worker
        worker = _Worker()  # slow (imports SymPy), so outside the lock
        with self.lock:
            if not self.closed:
                self.busy.add(worker)
                return worker
        worker.kill()
        raise GraderClosedError(CLOSED_MESSAGE)

    def give_back(self, worker: _Worker, healthy: bool) -> None:
        """Keep ``worker`` for reuse if it is healthy and there is room; end it otherwise."""
        with self.lock:
            self.busy.discard(worker)
            keep = healthy and not self.closed and len(self.idle) < self.max_idle
            if keep:
                self.idle.append(worker)
        if not keep:
            worker.kill()

    def end(self) -> None:
        """End every worker: idle ones now, busy ones by signal (their callers reap them)."""
        with self.lock:
            self.closed = True
            idle, self.idle = self.idle, []
            busy = list(self.busy)
        for worker in idle:
            worker.kill()
        for worker in busy:
            worker.stop()

    def check_open(self) -> None:
        """Raise :class:`GraderClosedError` once the grader is closed."""
        if self.closed:
            raise GraderClosedError(CLOSED_MESSAGE)


def _shown(answer: str) -> str:
    if len(answer) <= _SHOWN_ANSWER_CHARS:
        return answer
    return answer[: _SHOWN_ANSWER_CHARS - 3] + "..."


class MathGrader:
    """Grades answers with math-verify in worker processes that it owns.

    Thread-safe: each thread that grades takes a worker of its own, so several threads
    grade in parallel. Fork-safe: a forked child (an ``AsyncVectorEnv`` worker given a
    shared grader) starts workers of its own and never touches its parent's. Workers
    start on first use; up to ``max_idle`` are kept for reuse. ``close()``, the end of a
    ``with`` block, or garbage collection of the grader ends every worker; a closed
    grader raises :class:`GraderClosedError`.

    :param max_idle: how many idle workers to keep (each holds SymPy, about 100 MB), at
        most :data:`MAX_IDLE_WORKERS`.
    """

    def __init__(self, *, max_idle: int = _MAX_IDLE_WORKERS) -> None:
        check_int("max_idle", max_idle, minimum=0, maximum=MAX_IDLE_WORKERS)
        self._workers = _Workers(max_idle)
        self._finalizer = weakref.finalize(self, self._workers.end)
        forks.register(self)

    def after_fork_in_child(self) -> None:
        """In a forked child: leave the parent's workers alone and start new ones on use."""
        self._finalizer.detach()
        inherited = self._workers
        forks.keep_inherited(inherited)
        self._workers = _Workers(inherited.max_idle)
        self._workers.closed = inherited.closed
        self._finalizer = weakref.finalize(self, self._workers.end)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._workers.closed

    def compare(self, answer: str, gold: str, *, timeout_s: float = 2.0) -> str:
        """Compare two bare answers in a worker.

        :param answer: the candidate answer.
        :param gold: the reference answer.
        :param timeout_s: the time limit for parsing and comparing.
        :return: ``"correct"``, ``"wrong_answer"``, ``"unparsable"`` or ``"timeout"``.
        :raises GraderClosedError: when the grader is (or gets) closed.
        """
        check_number("timeout_s", timeout_s, minimum=0, exclusive_minimum=True)
        worker = self._workers.take()
        verdict = worker.ask(answer, gold, timeout_s)
        self._workers.give_back(worker, healthy=verdict is not None)
        if verdict is None:
            self._workers.check_open()  # a worker ended by close() is not a timeout
            return "timeout"
        return verdict

    def is_equivalent(self, answer: str, gold: str, *, timeout_s: float = 2.0) -> bool:
        """Whether two bare answers are mathematically equal; see :func:`is_equivalent`."""
        return self.compare(answer, gold, timeout_s=timeout_s) == "correct"

    def grade(
        self, text: str, gold: str, *, timeout_s: float = 2.0, max_answer_chars: int = 1000
    ) -> Grade:
        """Extract the final answer from ``text`` and grade it; see :func:`grade`."""
        if max_answer_chars < 1:
            raise InvalidArgumentError(
                f"max_answer_chars must be at least 1, got {max_answer_chars}"
            )
        check_number("timeout_s", timeout_s, minimum=0, exclusive_minimum=True)
        answer = extract_final_answer(text)
        if not answer:
            return Grade(
                "no_answer",
                answer,
                "No final answer found: write it as \\boxed{...} or <answer>...</answer>.",
            )
        if len(answer) > max_answer_chars:
            return Grade(
                "unparsable",
                answer,
                f"Your answer is {len(answer)} characters long; the limit is "
                f"{max_answer_chars}. Give only the final answer.",
            )
        verdict = self.compare(answer, gold, timeout_s=timeout_s)
        if verdict == "correct":
            return Grade("correct", answer, "Correct.")
        if verdict == "timeout":
            return Grade(
                "timeout",
                answer,
                f"Checking your answer took longer than {timeout_s:g} s, so it counts as "
                "wrong. Give a simplified final answer.",
            )
        if verdict == "unparsable":
            return Grade(
                "unparsable",
                answer,
                f"Could not read {_shown(answer)!r} as a math expression.",
            )
        return Grade("wrong_answer", answer, f"Your answer {_shown(answer)!r} is not correct.")

    def close(self) -> None:
        """End every worker; later calls raise :class:`GraderClosedError`."""
        self._finalizer()

    def __enter__(self) -> MathGrader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --- public API ------------------------------------------------------------------------


def is_equivalent(
    answer: str, gold: str, *, grader: MathGrader | None = None, timeout_s: float = 2.0
) -> bool:
    """Whether two bare answers are mathematically equal, according to math-verify.

    :param answer: the candidate answer, LaTeX or plain (``"\\frac{1}{2}"``, ``"0.5"``).
    :param gold: the reference answer.
    :param grader: the grader whose workers to use; ``None`` starts a temporary one (about
        a second) and ends it before returning.
    :param timeout_s: the time limit for parsing and comparing; overrunning counts as False.
    :return: True when they are judged equal.
    """
    if grader is not None:
        return grader.is_equivalent(answer, gold, timeout_s=timeout_s)
    with MathGrader(max_idle=0) as temporary:
        return temporary.is_equivalent(answer, gold, timeout_s=timeout_s)


def grade(
    text: str,
    gold: str,
    *,
    grader: MathGrader | None = None,
    timeout_s: float = 2.0,
    max_answer_chars: int = 1000,
) -> Grade:
    """Extract the final answer from ``text`` and grade it against ``gold``.

    The answer is the last ``\\boxed{...}``, else the last ``<answer>...</answer>``.

    :param text: the model output.
    :param gold: the reference answer.
    :param grader: the grader whose workers to use; ``None`` starts a temporary one (about
        a second, only when there is an answer to compare) and ends it before returning.
    :param timeout_s: the time limit for parsing and comparing; overrunning grades
        ``"timeout"``, which counts as wrong.
    :param max_answer_chars: longer answers are graded ``"unparsable"`` without parsing.
    :return: the verdict, with feedback that never reveals ``gold``.
    """
    if grader is not None:
        return grader.grade(text, gold, timeout_s=timeout_s, max_answer_chars=max_answer_chars)
    with MathGrader(max_idle=0) as temporary:
        return temporary.grade(text, gold, timeout_s=timeout_s, max_answer_chars=max_answer_chars)


def verify(
    text: str, task: Mapping[str, Any], *, grader: MathGrader | None = None, timeout_s: float = 2.0
) -> Verdict:
    """Judge a reply to a math task, without the env.

    :param text: the model output; its answer is read as :func:`grade` reads it.
    :param task: a math task (see :mod:`cogym.envs.math.task`); only ``"answer"`` is used.
    :param grader: the grader whose workers to use; ``None`` uses a temporary one.
    :param timeout_s: the time limit for parsing and comparing.
    :return: score 1.0 when correct, else 0.0; ``feedback_kind`` is the grade's kind, and
        ``valid`` is False when there was no answer or it could not be read.
    """
    gold = task.get("answer") if isinstance(task, Mapping) else None
    if not isinstance(gold, str) or not gold.strip():
        raise InvalidArgumentError(
            "task must be a math task with a non-empty 'answer', e.g. "
            f"{{'question': 'What is 6 * 7?', 'answer': '42'}}; got {task!r}"
        )
    result = grade(text, gold, grader=grader, timeout_s=timeout_s)
    return Verdict(
        score=1.0 if result.correct else 0.0,
        success=result.correct,
        feedback_kind=result.kind,
        message=result.message,
        valid=result.kind not in ("no_answer", "unparsable"),
        answer=result.answer,
    )


if __name__ == "__main__":
    _serve()
