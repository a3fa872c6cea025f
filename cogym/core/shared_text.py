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
wrote. The buffer holds each text as ASCII bytes ended by a NUL (cogym's charset is
printable ASCII), so a write and a read cost as much as the text is long, not
``max_length`` (gymnasium's stores one int32 character index per possible character).
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any, overload

from gymnasium import spaces

from cogym.core.errors import InvalidArgumentError


def create_shared_texts(space: spaces.Text, n: int = 1, ctx: ModuleType = mp) -> Any:
    """One byte buffer: per env ``max_length`` ASCII bytes and a NUL that ends the text."""
    return ctx.Array("B", n * (space.max_length + 1), lock=False)


def write_shared_text(space: spaces.Text, index: int, value: str, shared_memory: Any) -> None:
    """Write ``value`` and its terminating NUL into row ``index`` (only as many bytes)."""
    if not isinstance(value, str) or len(value) > space.max_length or not value.isascii():
        raise InvalidArgumentError(f"{str(value)[:40]!r}... is not a member of {space}")
    data = value.encode("ascii")
    if b"\0" in data:
        raise InvalidArgumentError(f"{value[:40]!r}... holds a NUL; it is not a member of {space}")
    start = index * (space.max_length + 1)
    memoryview(shared_memory).cast("B")[start : start + len(data) + 1] = data + b"\0"


class SharedTexts(Sequence[str]):
    """The ``n`` strings in a shared buffer, decoded on every read (a live view).

    A deep copy, a pickle or ``tuple(view)`` gives a plain ``tuple`` of ``str``.
    """

    def __init__(self, space: spaces.Text, shared_memory: Any, n: int) -> None:
        self._row = space.max_length + 1
        self._n = n
        self._buffer = memoryview(shared_memory).cast("B")

    def _decode(self, index: int) -> str:
        row = bytes(self._buffer[index * self._row : (index + 1) * self._row])
        return row[: row.index(0)].decode("ascii")

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(self._decode(i) for i in range(self._n)[index])
        return self._decode(range(self._n)[index])

    def __iter__(self) -> Iterator[str]:
        return (self._decode(index) for index in range(self._n))

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
