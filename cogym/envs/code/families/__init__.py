"""The registry of procedural code task families, by name."""

from __future__ import annotations

from cogym.envs.code.families import brackets, lists, numbers, parsing, sorting, stdio, strings
from cogym.envs.code.families.base import Draft, Family

FAMILIES: dict[str, Family] = {
    family.name: family
    for module in (strings, lists, parsing, brackets, sorting, numbers, stdio)
    for family in module.FAMILIES
}

__all__ = ["FAMILIES", "Draft", "Family"]
