"""Pull an answer out of free-form model output.

Three formats cover what instruct models write: an ``<answer>...</answer>`` tag,
a LaTeX ``\\boxed{...}`` (nested braces allowed), and plainly the last non-empty
line. Each helper returns ``None`` when its format is absent, so callers can try
them in order with :func:`extract_answer`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal, NamedTuple

from cogym.core.errors import InvalidArgumentError

AnswerFormat = Literal["tag", "boxed", "last_line"]
DEFAULT_FORMATS: tuple[AnswerFormat, ...] = ("tag", "boxed", "last_line")

_BRACE_RE = re.compile(r"\\(?:boxed|fbox)\s*\{|[{}]")


class Extraction(NamedTuple):
    """An extracted answer and the format it was found in."""

    text: str
    format: AnswerFormat


@lru_cache(maxsize=64)
def _tag_pair(tag: str) -> tuple[str, str]:
    """``("<tag>", "</tag>")`` in lower case, made once per tag name."""
    lowered = tag.lower()
    return f"<{lowered}>", f"</{lowered}>"


def extract_tag(text: str, tag: str = "answer") -> str | None:
    """Return the content of the last ``<tag>...</tag>``, stripped.

    An opening tag with no closing tag after it counts up to the end of the text,
    because generation often stops *at* the closing tag (a stop string). Tag names
    match case-insensitively.

    :param text: the model output.
    :param tag: the tag name, without angle brackets.
    :return: the tag's content, or ``None`` when the text has no such opening tag.
    """
    lowered = text.lower()
    open_tag, close_tag = _tag_pair(tag)
    start = lowered.rfind(open_tag)
    if start < 0:
        return None
    start += len(open_tag)
    end = lowered.find(close_tag, start)
    return text[start : end if end >= 0 else len(text)].strip()


def extract_boxed(text: str) -> str | None:
    """Return the content of the last ``\\boxed{...}`` (or ``\\fbox{...}``), braces balanced.

    One linear pass over the braces, so adversarial input (thousands of unclosed
    ``\\boxed{``) stays fast.

    :param text: the model output.
    :return: the content between the outer braces of the last-opened box that closes,
        stripped, or ``None`` when there is none.
    """
    stack: list[int] = []  # content start for a box, -1 for a plain brace
    best_start, best = -1, None
    for match in _BRACE_RE.finditer(text):
        token = match.group()
        if token == "}":
            if stack:
                start = stack.pop()
                if start > best_start:
                    best_start, best = start, text[start : match.start()].strip()
        elif token == "{":
            stack.append(-1)
        else:
            stack.append(match.end())
    return best


# a line that only opens or closes a code fence or display math holds no answer
_DELIMITER_ONLY_RE = re.compile(r"^(?:`{3,}\w*|\$\$|\\\[|\\\])$")


def last_nonempty_line(text: str) -> str | None:
    """Return the last line with content, stripped, or ``None``.

    Lines that only open or close a code fence or display math (```` ``` ````, ``$$``,
    ``\\[``, ``\\]``) are skipped: the answer is the line they enclose.
    """
    for line in reversed(text.splitlines()):
        stripped = line.strip()
        if stripped and not _DELIMITER_ONLY_RE.match(stripped):
            return stripped
    return None


_EXTRACTORS = {"tag": extract_tag, "boxed": extract_boxed, "last_line": last_nonempty_line}
_new_extraction = tuple.__new__  # skips NamedTuple's Python-level __new__ on the hot path
# format tuples already checked (at most 15 exist): verifiers pass the same few every step
_CHECKED: set[tuple[AnswerFormat, ...]] = set()


def check_formats(formats: tuple[AnswerFormat, ...]) -> tuple[AnswerFormat, ...]:
    """Return ``formats`` as a tuple, or raise naming the unknown ones."""
    if isinstance(formats, str) or not formats:
        raise InvalidArgumentError(
            f"formats must be a non-empty tuple such as ('tag', 'last_line'), got {formats!r}"
        )
    unknown = [name for name in formats if name not in _EXTRACTORS]
    if unknown:
        raise InvalidArgumentError(
            f"unknown answer format(s) {unknown}; use some of {sorted(_EXTRACTORS)}"
        )
    return tuple(formats)


def extract_answer(
    text: str, formats: tuple[AnswerFormat, ...] = DEFAULT_FORMATS, tag: str = "answer"
) -> Extraction | None:
    """Try each format in order and return the first answer found.

    :param text: the model output.
    :param formats: which formats to try, in priority order.
    :param tag: the tag name of the ``"tag"`` format.
    :return: the answer and its format, or ``None`` when no format matched.
    """
    if not isinstance(formats, tuple) or formats not in _CHECKED:
        formats = check_formats(formats)
        _CHECKED.add(formats)
    for name in formats:
        if name == "tag":
            found = extract_tag(text, tag)
        elif name == "boxed":
            found = extract_boxed(text)
        else:
            found = last_nonempty_line(text)
        if found is not None:
            return _new_extraction(Extraction, (found, name))
    return None
