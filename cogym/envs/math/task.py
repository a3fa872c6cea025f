"""Math task schema and the JSONL loader for datasets users already have."""

from __future__ import annotations

import functools
import math
import re
import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cogym.core.answers import extract_boxed
from cogym.core.errors import InvalidTaskError
from cogym.core.tasks import check_task_keys, load_jsonl, short_repr
from cogym.envs.math import grader

TASK_KEYS = ("question", "answer", "family", "difficulty", "data")
#: The longest gold answer, in characters (the grader reads replies up to as many).
MAX_ANSWER_CHARS = 1000
#: How long math-verify may take to read one gold answer, in whole seconds (where it may
#: set an alarm: see :func:`_parse_timeout`).
PARSE_TIMEOUT_S = 5
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@functools.lru_cache(maxsize=4096)
def is_readable_answer(answer: str) -> bool:
    """Whether the grader reads ``answer`` as math (:func:`grader.is_readable`, the same
    parse that grading uses). A gold it cannot read would grade every reply wrong. Plain
    numbers are read without math-verify; anything else costs about 10 ms.

    :param answer: a bare gold answer such as ``"42"`` or ``"\\frac{3}{4}"``.
    """
    if _PLAIN_NUMBER.fullmatch(answer):
        return True
    return grader.is_readable(answer, parsing_timeout=_parse_timeout())


def _parse_timeout() -> int | None:
    """:data:`PARSE_TIMEOUT_S` where math-verify's timeout disturbs nothing, else None.

    The timeout is a ``SIGALRM``: only the main thread may set one, and setting it would
    cancel an alarm the program has pending or replace a handler it installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    if signal.getitimer(signal.ITIMER_REAL)[0] or signal.getsignal(signal.SIGALRM) not in (
        signal.SIG_DFL,
        None,
    ):
        return None
    return PARSE_TIMEOUT_S


def _check_answer(answer: Any) -> str:
    """Return the gold answer as a stripped string, or raise saying what is wrong."""
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        try:
            answer = str(answer) if math.isfinite(answer) else ""
        except (OverflowError, ValueError):  # an int too long to write out
            answer = ""
    if not isinstance(answer, str) or not answer.strip():
        raise InvalidTaskError(
            "math task needs 'answer': a non-empty string or a finite number (the gold answer)"
        )
    answer = answer.strip()
    if len(answer) > MAX_ANSWER_CHARS or not is_readable_answer(answer):
        raise InvalidTaskError(
            f"math task 'answer' {short_repr(answer)} is not an answer math-verify can read "
            "(every reply would be graded wrong); give the final answer alone, such as '42', "
            "'\\frac{3}{4}' or 'x = 2' (a worked solution needs it in \\boxed{} or after ####)"
        )
    return answer


def validate_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """Check a math task and return a clean copy with exactly :data:`TASK_KEYS`.

    ``question`` and ``answer`` are required non-empty strings (numbers are accepted for
    the answer), and the answer must be one math-verify can read (see
    :func:`is_readable_answer`), at most :data:`MAX_ANSWER_CHARS` long; ``family``
    defaults to ``"custom"``, ``difficulty`` and ``data`` to None/{}.
    """
    check_task_keys(
        task,
        family="math",
        allowed=TASK_KEYS,
        required=("question", "answer"),
        example="{'question': 'What is 6 * 7?', 'answer': '42'}",
    )
    question = task.get("question")
    if not isinstance(question, str) or not question.strip():
        raise InvalidTaskError("math task needs 'question': a non-empty string")
    answer = _check_answer(task.get("answer"))
    return {
        "question": question,
        "answer": answer,
        "family": str(task.get("family") or "custom"),
        "difficulty": task.get("difficulty"),
        "data": dict(task.get("data") or {}),
    }


def gold_from_solution(text: str) -> str:
    """The gold answer inside a dataset's answer field.

    GSM8K ends its worked solution with ``#### 42`` (thousands separators removed);
    MATH puts it in the last ``\\boxed{}``; anything else is the answer as it is.
    """
    if "####" in text:
        return text.rsplit("####", 1)[1].strip().replace(",", "")
    boxed = extract_boxed(text)
    return boxed if boxed is not None else text.strip()


def load_math_jsonl(
    path: str | Path, question_key: str = "question", answer_key: str = "answer"
) -> list[dict[str, Any]]:
    """Read a JSONL file of math problems with a field mapping.

    Works as-is for GSM8K (``question``/``answer``), MATH (``problem``/``solution``) and
    AIME-style files (``question_key="problem"``, ``answer_key="answer"``). Errors name the
    file and line.

    :param path: the JSONL file.
    :param question_key: the field holding the problem text.
    :param answer_key: the field holding the answer or worked solution.
    """

    def convert(record: Mapping[str, Any]) -> dict[str, Any]:
        missing = [key for key in (question_key, answer_key) if key not in record]
        if missing:
            raise InvalidTaskError(
                f"no field {missing}; set question_key/answer_key (fields here: {sorted(record)})"
            )
        answer = record[answer_key]
        gold = gold_from_solution(answer) if isinstance(answer, str) else answer
        task = {"question": record[question_key], "answer": gold, "family": "dataset"}
        return validate_task(task)

    return load_jsonl(path, convert)
