"""The env table's machinery: register ids with gymnasium, make envs with clear errors."""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from cogym.core.errors import UnknownEnvError

NAMESPACE = "cogym"


@dataclass(frozen=True)
class EnvEntry:
    """One registered id.

    :param id: ``cogym/<Name>-v<N>``.
    :param entry_point: ``module:Class``.
    :param kwargs: default kwargs for this id (its variant).
    :param summary: one line for ``cogym list`` and the README table.
    :param vector_entry_point: ``module:Class`` of a native batched env, which
        ``gym.make_vec`` then uses by default.
    """

    id: str
    entry_point: str
    summary: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    vector_entry_point: str | None = None

    def env_class(self) -> type:
        """Import and return the env class."""
        module, _, name = self.entry_point.partition(":")
        return getattr(importlib.import_module(module), name)


def register_all(entries: tuple[EnvEntry, ...]) -> None:
    """Register every entry with gymnasium; ids already registered are left alone."""
    for entry in entries:
        if entry.id not in gym.registry:
            gym.register(
                id=entry.id,
                entry_point=entry.entry_point,
                vector_entry_point=entry.vector_entry_point,
                kwargs=dict(entry.kwargs),
            )


def resolve_id(env_id: str, entries: tuple[EnvEntry, ...]) -> str:
    """Return the full cogym id for ``env_id`` (the ``cogym/`` prefix is optional).

    :raises UnknownEnvError: naming the closest ids, when ``env_id`` is not cogym's.
    """
    known = [entry.id for entry in entries]
    for candidate in (env_id, f"{NAMESPACE}/{env_id}", env_id.removeprefix(f"{NAMESPACE}:")):
        if candidate in known:
            return candidate
    close = difflib.get_close_matches(env_id, known, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UnknownEnvError(f"unknown env id {env_id!r}.{hint} Run `cogym list` to see every id.")


def make(env_id: str, entries: tuple[EnvEntry, ...], **kwargs: Any) -> gym.Env:
    """``gym.make`` for cogym ids, with the prefix optional and a helpful unknown-id error."""
    return gym.make(resolve_id(env_id, entries), **kwargs)
