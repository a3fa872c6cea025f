"""Text spaces shared by every LLM-facing env.

Gymnasium's default :class:`~gymnasium.spaces.Text` charset is alphanumeric only, which
cannot hold a prompt. cogym's text spaces use printable ASCII plus whitespace, and
:func:`fit_text` makes any string a member of such a space.
"""

from __future__ import annotations

import re
import string

from gymnasium import spaces
from gymnasium.vector.utils import (
    create_shared_memory,
    read_from_shared_memory,
    write_to_shared_memory,
)

from cogym.core.shared_text import create_shared_texts, read_shared_texts, write_shared_text

CHARSET = string.printable
_OUTSIDE_CHARSET = re.compile(r"[^\x20-\x7e\t\n\r\x0b\x0c]")
TRUNCATION_MARK = "\n...[truncated]"


class PrintableText(spaces.Text):
    """A gymnasium ``Text`` space whose observations survive ``AsyncVectorEnv``'s shared memory.

    It is a plain ``Text`` to everything else; see :mod:`cogym.core.shared_text` for why
    gymnasium's own shared-memory handling of ``Text`` returns stale strings.
    """


create_shared_memory.register(PrintableText)(create_shared_texts)
read_from_shared_memory.register(PrintableText)(read_shared_texts)
write_to_shared_memory.register(PrintableText)(write_shared_text)


def text_space(max_length: int, min_length: int = 0) -> PrintableText:
    """A Text space over :data:`CHARSET` (printable ASCII and whitespace)."""
    return PrintableText(max_length=max_length, min_length=min_length, charset=CHARSET)


def fit_text(text: str, max_length: int) -> str:
    """Make ``text`` a member of a :func:`text_space` of ``max_length``.

    Characters outside the charset become ``?``; text past ``max_length`` is cut and
    ends with :data:`TRUNCATION_MARK` so a reader knows something is missing.
    """
    text = _OUTSIDE_CHARSET.sub("?", text)
    if len(text) > max_length:
        keep = max(0, max_length - len(TRUNCATION_MARK))
        text = (text[:keep] + TRUNCATION_MARK)[:max_length]
    return text


def preview(text: str, limit: int = 60) -> str:
    """A one-line, bounded rendering of untrusted text for use inside feedback."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def describe_space(space: spaces.Space) -> str:
    """A short human description of a space, e.g. ``Text(8192)`` or ``Box(0.0, 1.0, (4,))``."""
    if isinstance(space, spaces.Text):
        return f"Text({space.max_length})"
    if isinstance(space, spaces.Discrete):
        return f"Discrete({space.n})"
    if isinstance(space, spaces.Box):
        return f"Box({space.low.min()}, {space.high.max()}, {space.shape})"
    if isinstance(space, spaces.MultiBinary):
        return f"MultiBinary({space.n})"
    if isinstance(space, spaces.Dict):
        inner = ", ".join(f"{key}: {describe_space(value)}" for key, value in space.spaces.items())
        return f"Dict({inner})"
    return type(space).__name__
