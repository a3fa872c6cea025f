"""Read the page text of an observation back into elements, for scripted agents.

The page text (see :mod:`cogym.envs.web.page_text`) has one line per element,
``[12] button 'Buy Now'``, indented by depth, with names quoted the way Python quotes a
string; :func:`parse_elements` turns those lines into :class:`Element` records.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_LINE = re.compile(
    r"^(?P<indent> *)(?:\[(?P<id>\d+)\] )?(?P<role>[a-z][\w-]*) "
    r"'(?P<name>(?:[^'\\]|\\.)*)'(?P<rest>.*)$"
)
_OPTIONS = re.compile(r"options=(\[.*?'\])")
_VALUE = re.compile(r"value='((?:[^'\\]|\\.)*)'")


@dataclass(frozen=True)
class Element:
    """One line of page text.

    :param id: the element's id for actions (``None`` for a line without one).
    :param role: ``button``, ``link``, ``textbox``, ``combobox``, ``checkbox``...
    :param name: the accessible name.
    :param depth: the indentation level.
    :param checked: the line says ``checked``.
    :param value: the control's value, when the line shows one.
    :param options: a combobox's options.
    """

    id: str | None
    role: str
    name: str
    depth: int
    checked: bool = False
    value: str | None = None
    options: tuple[str, ...] = ()


def _unquote(text: str) -> str:
    return text.replace("\\'", "'").replace("\\\\", "\\")


def parse_elements(text: str) -> list[Element]:
    """Every element line of ``text`` (other lines are skipped), in page order."""
    elements = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        rest = match["rest"]
        options: tuple[str, ...] = ()
        found = _OPTIONS.search(rest)
        if found:
            try:
                options = tuple(str(option) for option in ast.literal_eval(found.group(1)))
            except (ValueError, SyntaxError):
                options = ()
        value = _VALUE.search(rest)
        elements.append(
            Element(
                id=match["id"],
                role=match["role"],
                name=_unquote(match["name"]),
                depth=len(match["indent"]) // 2,
                checked=" checked" in f" {rest} ".replace("unchecked", ""),
                value=_unquote(value.group(1)) if value else None,
                options=options,
            )
        )
    return elements


def find(
    elements: list[Element], role: str | None = None, name: str | None = None
) -> Element | None:
    """The first element with an id and the given role and name (either may be ``None``)."""
    for element in elements:
        if element.id is None:
            continue
        if (role is None or element.role == role) and (name is None or element.name == name):
            return element
    return None


def page_url(observation: str) -> str | None:
    """The ``URL: /path`` line of an observation."""
    for line in observation.splitlines():
        if line.startswith("URL: "):
            return line[5:].strip()
    return None
