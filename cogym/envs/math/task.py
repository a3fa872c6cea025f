"""Math task schema and the JSONL loader for datasets users already have."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cogym.core.answers import extract_boxed
from cogym.core.errors import InvalidTaskError
from cogym.core.tasks import check_task_keys, load_jsonl

TASK_KEYS = ("question", "answer", "family", "difficulty", "data")


def validate_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """Check a math task and return a clean copy with exactly :data:`TASK_KEYS`.

    ``question`` and ``answer`` are required non-empty strings (numbers are accepted for
    the answer); ``family`` defaults to ``"custom"``, ``difficulty`` and ``data`` to None/{}.
    """
    check_task_keys(
        task,
        family="math",
        allowed=TASK_KEYS,
        required=("question", "answer"),
        example="{'question': 'What is 6 * 7?', 'answer': '42'}",
    )
    question, answer = task.get("question"), task.get("answer")
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        answer = str(answer)
    if not isinstance(question, str) or not question.strip():
        raise InvalidTaskError("math task needs 'question': a non-empty string")
    if not isinstance(answer, str) or not answer.strip():
        raise InvalidTaskError("math task needs 'answer': a non-empty string (the gold answer)")
    return {
        "question": question,
        "answer": answer.strip(),
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
