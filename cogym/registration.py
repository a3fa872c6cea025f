"""The family table's machinery: register families' ids with gymnasium, find a family,
make envs with clear errors.

The table is a list of :class:`~cogym.core.family.Family` descriptors; everything that
lists envs or agents (``cogym list``, the README table, the agent registry, the CLI, the
trainer) reads it, so a family added here needs no other change.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import gymnasium as gym

from cogym.core.errors import InvalidArgumentError, UnknownEnvError
from cogym.core.family import EnvEntry, Family

NAMESPACE = "cogym"
#: The entry-point group through which other packages add families.
PLUGIN_GROUP = "cogym.families"

logger = logging.getLogger("cogym")

_FAMILIES: list[Family] = []


@dataclass(frozen=True)
class EnvCreator:
    """What gymnasium calls to build an env of a cogym id: the env class, given every kwarg.

    Given the class itself, ``gym.make`` compares ``render_mode`` with the class's
    ``render_modes`` and calls ``render_mode.endswith`` on a mode it does not list, so
    ``render_mode=1`` failed with a bare ``AttributeError`` before the env could say what
    to pass. This creator has no ``metadata``, so gymnasium passes ``render_mode`` through
    and the env checks it (an :class:`~cogym.core.errors.InvalidArgumentError` naming the
    modes it offers).
    """

    env_class: type[gym.Env]

    def __call__(self, **kwargs: Any) -> gym.Env:
        return self.env_class(**kwargs)


def register_family(family: Family) -> Family:
    """Add a family to the table and register its ids with gymnasium.

    Registering the same family object again does nothing, so a module that registers
    its family on import may be imported twice.

    :raises InvalidArgumentError: when a name or id is already taken by another family.
    """
    if not isinstance(family, Family):
        raise InvalidArgumentError(
            f"register_family takes a cogym.core.family.Family, got {type(family).__name__}"
        )
    if family in _FAMILIES:
        return family
    taken = {entry.id for other in _FAMILIES for entry in other.envs}
    clashes = sorted(taken & set(family.env_ids))
    if clashes or family.name in {other.name for other in _FAMILIES}:
        raise InvalidArgumentError(
            f"family {family.name!r} clashes with a registered family (name or ids "
            f"{clashes}); pick another name and other ids"
        )
    for entry in family.envs:
        if entry.id not in gym.registry:
            gym.register(
                id=entry.id,
                entry_point=EnvCreator(family.env_class),
                vector_entry_point=entry.vector_entry_point,
                kwargs=dict(entry.kwargs),
            )
    _FAMILIES.append(family)
    return family


def unregister_family(family: Family) -> None:
    """Take a family out of the table and its ids out of gymnasium's registry (tests,
    notebooks that redefine a family). A family not in the table is left alone."""
    if family not in _FAMILIES:
        return
    _FAMILIES.remove(family)
    for entry in family.envs:
        gym.registry.pop(entry.id, None)


def load_plugins() -> None:
    """Register the families other installed packages name in :data:`PLUGIN_GROUP`.

    A package declares ``[options.entry_points] cogym.families = name = pkg.module:FAMILY``.
    A plugin that fails to load is logged and skipped, so it cannot break ``import cogym``.
    """
    for point in metadata.entry_points(group=PLUGIN_GROUP):
        try:
            register_family(point.load())
        except Exception as error:
            logger.warning("cogym: skipped the env family plugin %r: %s", point.value, error)


def families() -> tuple[Family, ...]:
    """Every registered family, in table order."""
    return tuple(_FAMILIES)


def entries() -> list[tuple[Family, EnvEntry]]:
    """Every registered id with its family, in table order."""
    return [(family, entry) for family in _FAMILIES for entry in family.envs]


def family(name: str) -> Family:
    """The family called ``name``.

    :raises InvalidArgumentError: naming the registered families.
    """
    for candidate in _FAMILIES:
        if candidate.name == name:
            return candidate
    known = ", ".join(other.name for other in _FAMILIES)
    raise InvalidArgumentError(f"no env family {name!r}; the families are: {known}")


def family_of(env: gym.Env) -> Family | None:
    """The family a made (maybe wrapped) env belongs to, by its id or else its class."""
    spec = getattr(env, "spec", None)
    if spec is not None:
        for candidate, entry in entries():
            if entry.id == spec.id:
                return candidate
    base = env.unwrapped
    for candidate in _FAMILIES:
        if isinstance(base, candidate.env_class):
            return candidate
    return None


def resolve_id(env_id: str) -> str:
    """Return the full cogym id for ``env_id`` (the ``cogym/`` prefix is optional).

    :raises UnknownEnvError: naming the closest ids, when ``env_id`` is not cogym's.
    """
    known = [entry.id for _, entry in entries()]
    for candidate in (env_id, f"{NAMESPACE}/{env_id}", env_id.removeprefix(f"{NAMESPACE}:")):
        if candidate in known:
            return candidate
    close = difflib.get_close_matches(env_id, known, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UnknownEnvError(f"unknown env id {env_id!r}.{hint} Run `cogym list` to see every id.")


def make(env_id: str, **kwargs: Any) -> gym.Env:
    """``gym.make`` for cogym ids, with the prefix optional and a helpful unknown-id error."""
    return gym.make(resolve_id(env_id), **kwargs)
