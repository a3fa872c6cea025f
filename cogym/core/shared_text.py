"""Text observations through the shared memory of ``AsyncVectorEnv``.

Gymnasium's ``AsyncVectorEnv(shared_memory=True)`` (the default, also of
``gym.make_vec(..., vectorization_mode="async")``) reads its observation buffer once, when
it is built, and returns that same object after every later ``reset`` and ``step``. For a
Box the object is a numpy view of the buffer, so it follows the workers' writes; for a
``Text`` space gymnasium decodes it into a tuple of strings at that moment, so every later
text observation reads as the empty buffer: ``max_length`` copies of the charset's first
character (``"0000..."``), silently.

cogym's text spaces (:class:`~cogym.core.spaces.PrintableText`) register their own
handlers here. :func:`read_shared_texts` returns :class:`SharedTexts`, a sequence that
decodes the buffer on each read, as a numpy view would; ``AsyncVectorEnv`` deep-copies
observations before returning them (``copy=True``, its default) and a deep copy of
:class:`SharedTexts` is a plain ``tuple`` of ``str``, so users get the strings the workers
wrote. Encoding and decoding go through lookup tables, not a Python loop per character.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any, overload

import numpy as np
from gymnasium import spaces

from cogym.core.errors import InvalidArgumentError


def _tables(space: spaces.Text) -> tuple[np.ndarray, np.ndarray]:
    """(code point -> index, index -> code point) for a charset of ASCII characters."""
    cached = getattr(space, "_cogym_tables", None)
    if cached is None:
        pad = len(space.character_list)
        encode = np.full(128, -1, dtype=np.int32)
        decode = np.zeros(pad + 1, dtype=np.uint8)
        for index, char in enumerate(space.character_list):
            encode[ord(char)] = index
            decode[index] = ord(char)
        cached = (encode, decode)
        space._cogym_tables = cached  # type: ignore[attr-defined]
    return cached


def create_shared_texts(space: spaces.Text, n: int = 1, ctx: ModuleType = mp) -> Any:
    """One int32 buffer of ``n * max_length`` character indices (as gymnasium's)."""
    return ctx.Array(np.dtype(np.int32).char, n * space.max_length)


def write_shared_text(space: spaces.Text, index: int, value: str, shared_memory: Any) -> None:
    """Write ``value`` into row ``index``, padded with the charset's length (as gymnasium's)."""
    encode, _ = _tables(space)
    size = space.max_length
    raw = np.frombuffer(value.encode("ascii", errors="replace"), dtype=np.uint8)
    codes = encode[raw] if raw.size <= size and value.isascii() else None
    if codes is None or (codes < 0).any():
        raise InvalidArgumentError(f"{value[:40]!r}... is not a member of {space}")
    row = np.frombuffer(shared_memory.get_obj(), dtype=np.int32)[index * size : (index + 1) * size]
    row[: raw.size] = codes
    row[raw.size :] = len(space.character_list)


class SharedTexts(Sequence[str]):
    """The ``n`` strings in a shared buffer, decoded on every read (a live view).

    A deep copy, a pickle or ``tuple(view)`` gives a plain ``tuple`` of ``str``.
    """

    def __init__(self, space: spaces.Text, shared_memory: Any, n: int) -> None:
        self._space = space
        self._codes = np.frombuffer(shared_memory.get_obj(), dtype=np.int32).reshape(
            n, space.max_length
        )

    def _decode(self, row: np.ndarray) -> str:
        _, decode = _tables(self._space)
        return decode[row[row < len(self._space.character_list)]].tobytes().decode("ascii")

    def __len__(self) -> int:
        return len(self._codes)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(self._decode(row) for row in self._codes[index])
        return self._decode(self._codes[index])

    def __iter__(self) -> Iterator[str]:
        return (self._decode(row) for row in self._codes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (SharedTexts, tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a numpy view

    def __deepcopy__(self, memo: dict) -> tuple[str, ...]:
        return tuple(self)

    def __reduce__(self) -> tuple[type, tuple[tuple[str, ...]]]:
        return tuple, (tuple(self),)

    def __repr__(self) -> str:
        return f"SharedTexts({tuple(self)!r})"


def read_shared_texts(space: spaces.Text, shared_memory: Any, n: int = 1) -> SharedTexts:
    """A live view of the ``n`` strings in ``shared_memory``."""
    return SharedTexts(space, shared_memory, n)
