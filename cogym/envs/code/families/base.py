"""What a code task family is, and the small helpers the families share.

A family draws its parameters from an rng and returns a :class:`Draft`: the prompt, the
reference solution's source with those parameters written in, and how to draw inputs.
The generator then runs the reference on the inputs to get the expected outputs.
"""

from __future__ import annotations

import random
import string
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LOWER = string.ascii_lowercase
LETTERS = string.ascii_letters


@dataclass(frozen=True)
class Draft:
    """One family instance before its outputs are computed.

    :param prompt: the statement, with the drawn parameters written in.
    :param solution: the reference solution's source.
    :param draw_input: draws one input: the argument list (function) or stdin text (io).
    :param edge_inputs: inputs that every task's hidden tests start with.
    :param entry_point: the function's name (function families only).
    :param signature: the function's def line without the colon (function families only).
    """

    prompt: str
    solution: str
    draw_input: Callable[[random.Random], Any]
    edge_inputs: tuple[Any, ...] = ()
    entry_point: str | None = None
    signature: str | None = None


@dataclass(frozen=True)
class Family:
    """A kind of task whose instances differ by parameters and inputs.

    :param name: the registry name, also the task's ``family`` field.
    :param kind: ``"function"`` or ``"io"``.
    :param summary: one line saying what the task asks.
    :param draft: draws the parameters with the rng and returns the instance's draft.
    """

    name: str
    kind: str
    summary: str
    draft: Callable[[random.Random], Draft]


def source(template: str, **values: Any) -> str:
    """Return ``template`` dedented, with ``$name`` placeholders replaced by ``str(value)``.

    :param template: Python source with ``$name`` placeholders.
    :param values: the text for each placeholder.
    """
    text = textwrap.dedent(template).strip("\n") + "\n"
    return string.Template(text).substitute({key: str(value) for key, value in values.items()})


def function_prompt(signature: str, *paragraphs: str) -> str:
    """Return a function task's statement: what to write, then the paragraphs.

    :param signature: the def line, e.g. ``"def rotate(items: list[int]) -> list[int]"``.
    :param paragraphs: the contract, one paragraph each.
    """
    return "\n\n".join([f"Write a Python function `{signature}`.", *paragraphs])


def io_prompt(task: str, input_format: str, output_format: str) -> str:
    """Return an io task's statement with its input and output formats.

    :param task: what the program computes.
    :param input_format: what standard input holds.
    :param output_format: what to print.
    """
    return "\n\n".join(
        [
            "Write a Python program that reads standard input and writes to standard output.",
            task,
            f"Input: {input_format}",
            f"Output: {output_format}",
        ]
    )


def quoted(text: str) -> str:
    """Return ``text`` in double quotes, the way prompts show literal characters."""
    return f'"{text}"'


def ordinal(n: int) -> str:
    """Return ``1st``, ``2nd``, ``3rd``, ``4th``... for ``n >= 1``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def word(rng: random.Random, low: int = 1, high: int = 7, alphabet: str = LOWER) -> str:
    """Draw a word of ``low``..``high`` characters from ``alphabet``."""
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def words(rng: random.Random, low: int, high: int, alphabet: str = LOWER) -> list[str]:
    """Draw ``low``..``high`` words of 1-7 characters from ``alphabet``."""
    return [word(rng, alphabet=alphabet) for _ in range(rng.randint(low, high))]


def int_list(rng: random.Random, max_len: int, low: int, high: int, min_len: int = 0) -> list[int]:
    """Draw a list of ``min_len``..``max_len`` integers from ``low``..``high``."""
    return [rng.randint(low, high) for _ in range(rng.randint(min_len, max_len))]
