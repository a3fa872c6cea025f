"""Read a code env action: ``<run>CODE</run>`` or ``<submit>CODE</submit>``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from cogym.core.answers import extract_tag

_FENCE = re.compile(r"^\s*```[\w+-]*[ \t]*\n(.*?)\n?```\s*$", flags=re.DOTALL)


@dataclass(frozen=True)
class CodeAction:
    """A parsed action: what to do and the code."""

    verb: Literal["run", "submit"]
    code: str


def strip_fence(code: str) -> str:
    """Remove a Markdown code fence around the code (```python ... ```), if there is one."""
    match = _FENCE.match(code)
    return match.group(1) if match else code


def parse_action(text: str) -> CodeAction | None:
    """The last ``<run>`` or ``<submit>`` block in ``text``; ``None`` when there is none.

    Tags match case-insensitively; an unclosed final tag runs to the end of the text
    (generation often stops at the closing tag); a code fence inside the tag is removed.
    """
    lowered = text.lower()
    positions = {verb: lowered.rfind(f"<{verb}>") for verb in ("run", "submit")}
    verb = max(positions, key=positions.get)
    if positions[verb] < 0:
        return None
    code = extract_tag(text[positions[verb] :], verb) or ""
    return CodeAction(verb, strip_fence(code))  # type: ignore[arg-type]
