"""The page as text: the script that numbers and lists a page's elements, and its result type.

`PAGE_TEXT_JS` runs in the page (one ``evaluate`` per snapshot): it gives every visible
interactive element, and every visible element with text of its own, a ``data-cogym-id``
attribute and returns the tree as indented lines such as ``[12] button 'Buy Now'``.
`snapshot_from_result` turns its result into a `Snapshot`, cut at ``max_chars``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cogym.core.errors import InvalidArgumentError

ID_ATTRIBUTE = "data-cogym-id"
PAGE_TEXT_JS = (Path(__file__).with_name("page_text.js")).read_text(encoding="utf-8")
CUT_NOTE = "... (page text cut at {max_chars} characters)"


@dataclass
class Snapshot:
    """What the agent sees of a page.

    :param url_path: the URL's path and query (``"/search?q=red"``); a URL of another origin
        (an error page) is given whole.
    :param title: the document's title.
    :param text: one line per element, ``[id] role 'name' ...``, indented by depth.
    :param ids: id -> role of every element listed in ``text`` (after the cut).
    """

    url_path: str
    title: str
    text: str
    ids: dict[str, str] = field(default_factory=dict)


def url_path(url: str, origin: str | None) -> str:
    """``"/search?q=red"`` for a URL of ``origin`` (scheme://host:port); other URLs whole."""
    parts = urlsplit(url)
    if origin is not None and f"{parts.scheme}://{parts.netloc}" == origin:
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return url


def cut_text(text: str, max_chars: int) -> str:
    """Cut page text at a line end so that it fits ``max_chars``, saying that it was cut."""
    if len(text) <= max_chars:
        return text
    note = CUT_NOTE.format(max_chars=max_chars)
    room = max(0, max_chars - len(note) - 1)
    head = text[:room]
    if "\n" in head:
        head = head[: head.rindex("\n")]
    return (head + "\n" + note) if head else note[:max_chars]


def snapshot_from_result(result: dict[str, Any], max_chars: int, origin: str | None) -> Snapshot:
    """Build a `Snapshot` from what `PAGE_TEXT_JS` returned.

    :param result: the script's ``{"text", "ids", "title", "url"}``.
    :param max_chars: the most characters of page text to keep (cut at a line end).
    :param origin: the local site's ``scheme://host:port``; its URLs are shown as paths.
    """
    if not isinstance(max_chars, int) or isinstance(max_chars, bool) or max_chars < 1:
        raise InvalidArgumentError(f"max_chars must be a positive int, got {max_chars!r}")
    text = cut_text(result["text"], max_chars)
    roles = {str(element_id): role for element_id, role in result["ids"]}
    if len(text) < len(result["text"]):
        lines = (line.lstrip() for line in text.splitlines())
        shown = {line[1:].split("]", 1)[0] for line in lines if line.startswith("[")}
        roles = {element_id: role for element_id, role in roles.items() if element_id in shown}
    return Snapshot(
        url_path=url_path(result["url"], origin),
        title=result["title"],
        text=text,
        ids=roles,
    )
