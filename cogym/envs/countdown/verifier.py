"""Check a Countdown answer: is it an expression over the given numbers that hits the target?

The expression is parsed with :func:`ast.parse` and evaluated by walking the tree with
exact rational arithmetic; nothing is ever passed to ``eval``. Characters other than
digits, whitespace and ``+-*/()`` are refused before parsing, so names, calls, floats,
hex literals and the like never reach the parser.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from cogym.core.answers import AnswerFormat, extract_answer
from cogym.core.errors import InvalidTaskError
from cogym.core.verdict import Verdict as TaskVerdict
from cogym.envs.countdown.task import validate_task

MAX_EXPRESSION_LENGTH = 1000
KINDS = (
    "correct",
    "wrong_answer",
    "no_answer",
    "too_long",
    "syntax_error",
    "illegal_operator",
    "illegal_number",
    "reused_number",
    "unused_numbers",
    "division_by_zero",
)
_RULES = "use only the given numbers, + - * / and parentheses"


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one answer.

    :param kind: one of :data:`KINDS`.
    :param message: feedback for the agent, one or two self-contained sentences.
    :param expression: the normalized expression that was checked, if any.
    :param value: the value the expression reached, when it evaluated.
    :param used: the numbers the expression uses, in order of appearance, once parsed.
    """

    kind: str
    message: str
    expression: str | None = None
    value: Fraction | None = None
    used: tuple[int, ...] = ()

    @property
    def valid(self) -> bool:
        """Whether the answer was a legal expression (right or wrong)."""
        return self.kind in ("correct", "wrong_answer")

    @property
    def correct(self) -> bool:
        """Whether the answer reaches the target under the rules."""
        return self.kind == "correct"


# ---------------------------------------------------------------- extraction

#: Where Countdown reads an answer, in priority order (see :mod:`cogym.core.answers`).
ANSWER_FORMATS: tuple[AnswerFormat, ...] = ("tag", "boxed", "last_line")


def extract_expression(text: str) -> str | None:
    """Find the answer in a model's output.

    The last ``<answer>`` tag wins; without one, the last ``\\boxed{}``; without one, the
    last non-empty line (skipping lines that only close a code fence or display math).

    :param text: the model output.
    :return: the raw answer text, or ``None`` when there is nothing to check.
    """
    found = extract_answer(text, ANSWER_FORMATS)
    return found.text if found is not None and found.text else None


# ------------------------------------------------------------- normalization

_LABEL_RE = re.compile(r"^[*_\s]*[A-Za-z][A-Za-z ]{0,40}[*_\s]*:[*_\s]*")
_TRAILING_EQUALS_RE = re.compile(r"\s*=\s*[-−]?\s*\d+(?:\.\d*)?(?:\s*/\s*\d+)?\s*$")
_WRAPPERS = (
    ("```", "```"),
    ("$$", "$$"),
    ("\\[", "\\]"),
    ("\\(", "\\)"),
    ("\\boxed{", "}"),
    ("**", "**"),
    ("`", "`"),
    ("$", "$"),
)
_MAX_STRIP_ROUNDS = 16  # bounds the work on adversarial input such as 10**5 backticks
_LATEX_RE = re.compile(r"\\(?:(left|right|[bB]igg?[lr]?)|(times|cdot|ast)|(div)|(q?quad|[,;:! ]))")
_LATEX_REPLACEMENTS = ("", " * ", " / ", " ")
_SYMBOLS = str.maketrans(
    {
        "×": "*",
        "·": "*",
        "⋅": "*",
        "∗": "*",
        "÷": "/",
        "∕": "/",
        "−": "-",
        "–": "-",
        "—": "-",
        "[": "(",
        "]": ")",
        "{": "(",
        "}": ")",
    }
)


def _latex_replacement(match: re.Match[str]) -> str:
    """Return the plain text for one LaTeX command matched by ``_LATEX_RE``."""
    return _LATEX_REPLACEMENTS[match.lastindex - 1] if match.lastindex else ""


def _strip_once(text: str) -> str:
    """Remove one layer of decoration: a wrapper, a trailing period, or a trailing ``= N``."""
    text = text.strip()
    for opening, closing in _WRAPPERS:
        # startswith first: it fails at once for most wrappers, which keeps steps fast
        if (
            text.startswith(opening)
            and text.endswith(closing)
            and len(text) >= len(opening) + len(closing)
        ):
            return text[len(opening) : len(text) - len(closing)]
    if text.endswith("."):
        return text[:-1]
    return _TRAILING_EQUALS_RE.sub("", text, count=1)


def normalize_expression(expression: str) -> str:
    """Rewrite the common ways of typing an arithmetic expression into plain ``+-*/()``.

    Accepted: surrounding whitespace, ``$...$``, ``\\(...\\)``, backticks, ``\\boxed{}``,
    ``\\left(``/``\\right)``, ``[]`` and ``{}`` as brackets, ``×·÷−–`` and LaTeX
    ``\\times \\cdot \\div``, a leading label such as ``Answer:``, a trailing period and a
    trailing ``= N``. Implicit multiplication and ``x`` for times stay as they are, so
    :func:`check_expression` rejects them.

    :param expression: the raw answer text.
    :return: the expression with single spaces where the input had any whitespace.
    """
    text = _LABEL_RE.sub("", expression.strip(), count=1)
    for _ in range(_MAX_STRIP_ROUNDS):
        stripped = _strip_once(text)
        if stripped == text:
            break
        text = stripped
    text = _LATEX_RE.sub(_latex_replacement, text).translate(_SYMBOLS)
    return " ".join(text.split())


# ------------------------------------------------------------------ checking

_ALLOWED_CHARS = frozenset("0123456789+-*/() ")
_BAD_OPERATORS = ("**", "//", "%", "^", "<<", ">>", "&", "|", "~", "@")
_BINARY_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def _show(expression: str, limit: int = 120) -> str:
    """Return the expression cut to ``limit`` characters for a message."""
    return expression if len(expression) <= limit else expression[: limit - 3] + "..."


def _join(values: Sequence[int]) -> str:
    """Return numbers written as ``1, 2 and 3``."""
    words = [str(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _times(count: int) -> str:
    """Return ``once``, ``twice`` or ``N times``."""
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _character_problem(expression: str) -> tuple[str, str] | None:
    """Find a character the rules forbid, before anything is parsed.

    :param expression: the whitespace-normalized expression.
    :return: ``(kind, message)`` for the first problem, or ``None`` when every character
        is allowed.
    """
    for bad in _BAD_OPERATORS:
        if bad in expression:
            return "illegal_operator", f"'{bad}' is not allowed; {_RULES}."
    if _ALLOWED_CHARS.issuperset(expression):
        return None
    char = next(c for c in expression if c not in _ALLOWED_CHARS)
    if char in "xX":
        hint = "write '*' for multiplication"
    elif char == "=":
        hint = "write one expression, not a chain of steps or an equation"
    elif char.isdigit() or char in "._":
        hint = "numbers must be plain whole numbers as given"
    elif char.isalpha():
        hint = "letters, names and functions are not allowed"
    else:
        hint = "it is not part of an arithmetic expression"
    return "syntax_error", f"Your answer contains {char!r}: {hint}; {_RULES}."


def _parse(expression: str) -> ast.Expression | str:
    """Parse with :func:`ast.parse`, turning every parser failure into a message."""
    try:
        return ast.parse(expression, mode="eval")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        if expression.count("(") != expression.count(")"):
            problem = "has unbalanced parentheses"
        else:
            problem = "is not a well-formed arithmetic expression"
        return f"Your answer {_show(expression)!r} {problem}; {_RULES}, e.g. (1+2)*8."


def _read_tree(tree: ast.Expression) -> tuple[tuple[int, ...], tuple[str, str] | None]:
    """Walk the tree without recursion, collecting its numbers and checking its nodes.

    :param tree: the parsed expression.
    :return: the integer literals from left to right, and ``(kind, message)`` for the
        first node the rules forbid (``None`` when only ``+ - * /`` and integers appear).
    """
    used: list[int] = []
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPERATORS:
            stack += (node.right, node.left)  # left on top: numbers come out in order
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            used.append(node.value)
        elif isinstance(node, ast.UnaryOp):
            sign = "-" if isinstance(node.op, ast.USub) else "+"
            return (), (
                "illegal_operator",
                f"A sign in front of a number or bracket ('{sign}') is not allowed; "
                f"use subtraction between two values instead, and {_RULES}.",
            )
        elif isinstance(node, ast.Call):
            return (), (
                "syntax_error",
                f"Implicit multiplication such as 2(3+4) is not allowed: write '*' and {_RULES}.",
            )
        else:
            return (), (
                "syntax_error",
                f"Your answer is not a single arithmetic expression; {_RULES}.",
            )
    return tuple(used), None


def _allowed(numbers: Sequence[int]) -> str:
    """Say which numbers may be used, for a message."""
    return f"you may use only {_join(sorted(numbers))}, each as often as it is given"


def _count_problem(
    used: Sequence[int], numbers: Sequence[int], use_all: bool
) -> tuple[str, str] | None:
    """Compare the numbers used with the numbers given.

    :param used: the numbers in the expression.
    :param numbers: the numbers of the task.
    :param use_all: whether every given number must be used.
    :return: ``(kind, message)`` for the first problem, or ``None`` when the use is legal.
    """
    given, counts = Counter(numbers), Counter(used)
    for number in counts:
        if number not in given:
            return "illegal_number", (
                f"{number} is not one of the given numbers; {_allowed(numbers)}."
            )
    for number, count in counts.items():
        if count > given[number]:
            return "reused_number", (
                f"You used {number} {_times(count)} but it is given only "
                f"{_times(given[number])}; {_allowed(numbers)}."
            )
    if use_all and len(used) < len(numbers):
        unused = sorted((given - counts).elements())
        return "unused_numbers", (
            f"You did not use {_join(unused)}; this task requires every given number "
            f"to be used exactly once."
        )
    return None


def _evaluate(node: ast.expr) -> tuple[int, int]:
    """Evaluate a checked tree exactly, as an unreduced numerator and denominator.

    Integer pairs are several times faster than Fraction objects; the caller reduces
    once. Recursion is safe here: the tree holds no more leaves than there are given
    numbers.

    :param node: a node of a tree that :func:`_read_tree` and :func:`_count_problem`
        accepted.
    :return: ``(numerator, denominator)``; the denominator is non-zero.
    """
    if isinstance(node, ast.Constant):
        return node.value, 1
    assert isinstance(node, ast.BinOp)
    (p, q), (r, s) = _evaluate(node.left), _evaluate(node.right)
    op = type(node.op)
    if op is ast.Add:
        return p * s + r * q, q * s
    if op is ast.Sub:
        return p * s - r * q, q * s
    if op is ast.Mult:
        return p * r, q * s
    if r == 0:
        raise ZeroDivisionError
    return p * s, q * r


def check_expression(
    expression: str, numbers: Sequence[int], target: int, *, use_all: bool = False
) -> Verdict:
    """Check an already extracted expression against a task.

    :param expression: the expression, e.g. ``"(1+2)*8"``; see :func:`normalize_expression`
        for the styles that :func:`verify` accepts on top of this.
    :param numbers: the given numbers; each may be used at most as often as it is given.
    :param target: the value to reach.
    :param use_all: require every given number to be used exactly once.
    :return: the verdict, whose ``kind`` is one of :data:`KINDS`.
    """
    if len(expression) > MAX_EXPRESSION_LENGTH:
        return Verdict(
            "too_long",
            f"Your answer is {len(expression)} characters long; the limit is "
            f"{MAX_EXPRESSION_LENGTH}. Give just the expression.",
        )
    expression = " ".join(expression.split())
    if not expression:
        return Verdict("no_answer", f"No expression found; write one that equals {target}.")
    problem = _character_problem(expression)
    if problem:
        return Verdict(*problem, expression=expression)
    tree = _parse(expression)
    if isinstance(tree, str):
        return Verdict("syntax_error", tree, expression=expression)
    used, problem = _read_tree(tree)
    if problem:
        return Verdict(*problem, expression=expression)
    problem = _count_problem(used, numbers, use_all)
    if problem:
        return Verdict(*problem, expression=expression, used=used)
    try:
        value = Fraction(*_evaluate(tree.body))
    except ZeroDivisionError:
        return Verdict(
            "division_by_zero",
            f"Your expression {_show(expression)} divides by zero; every divisor must be non-zero.",
            expression=expression,
            used=used,
        )
    if value == target:
        message = f"Correct: {_show(expression)} = {target}."
        return Verdict("correct", message, expression=expression, value=value, used=used)
    message = f"Your expression {_show(expression)} equals {value}, not {target}."
    return Verdict("wrong_answer", message, expression=expression, value=value, used=used)


def verify(text: str, numbers: Sequence[int], target: int, *, use_all: bool = False) -> Verdict:
    """Extract, normalize and check an answer from a model's full output.

    :param text: the model output.
    :param numbers: the given numbers.
    :param target: the value to reach.
    :param use_all: require every given number to be used exactly once.
    :return: the verdict.
    """
    found = extract_expression(text)
    if found is None:
        return Verdict(
            "no_answer",
            f"No answer found; give an expression that equals {target}, e.g. in "
            f"<answer>...</answer>.",
        )
    if len(found) > MAX_EXPRESSION_LENGTH:
        return check_expression(found, numbers, target, use_all=use_all)
    return check_expression(normalize_expression(found), numbers, target, use_all=use_all)


def verify_task(text: str, task: Mapping[str, Any], *, use_all: bool = False) -> TaskVerdict:
    """Grade a model's output against a Countdown task, without the env.

    :param text: the model output.
    :param task: a task with ``numbers`` and ``target`` (the schema of
        :func:`~cogym.envs.countdown.task.validate_task`).
    :param use_all: require every given number to be used exactly once.
    :return: score 1.0 when correct (else 0.0), the kind as ``feedback_kind``, the
        expression checked as ``answer`` and the value reached in ``details["value"]``.
    """
    task = validate_task(task)
    verdict = verify(text, task["numbers"], task["target"], use_all=use_all)
    return TaskVerdict(
        score=1.0 if verdict.correct else 0.0,
        success=verdict.correct,
        feedback_kind=verdict.kind,
        message=verdict.message,
        valid=verdict.valid,
        answer=verdict.expression,
        details={"value": None if verdict.value is None else str(verdict.value)},
    )


def score_answer(text: str | None, task: Mapping[str, Any], *, use_all: bool = False) -> float:
    """Grade an answer for training code: 1.0 when correct, else 0.0.

    :param text: the model output (``None`` scores 0.0).
    :param task: a mapping with ``numbers`` and ``target``.
    :param use_all: require every given number to be used exactly once.
    :return: the score.
    """
    try:
        numbers, target = task["numbers"], task["target"]
    except KeyError as missing:
        raise InvalidTaskError(
            f"score_answer needs a task with 'numbers' and 'target'; {missing} is missing"
        ) from None
    if text is None:
        return 0.0
    return 1.0 if verify(text, numbers, target, use_all=use_all).correct else 0.0
