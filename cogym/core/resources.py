"""One lifecycle for everything that holds processes: sandboxes, grading workers, browsers.

A :class:`Lazy` resource is started on first use, from any thread, and belongs to one
owner (usually an env): the owner's ``close()`` ends it, and so does garbage collection
of the owner, through a finalizer, never a module global or ``atexit``. A resource the
user made and passed in is *shared*: it is used, never closed, so one pool can serve
many envs and outlive them.

Fork-safe: in a forked child (an ``AsyncVectorEnv`` worker, say) a :class:`Lazy` forgets
the resource its parent started, without closing it, and starts its own on the next
:meth:`Lazy.get` (see :mod:`cogym.core.forks`). A shared resource stays shared; the
classes cogym passes in (sandbox pools, math graders) are fork-safe themselves.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from cogym.core import forks


class Closeable(Protocol):
    """Anything with ``close()``: a sandbox pool, a session, a grader, a browser."""

    def close(self) -> None: ...


T = TypeVar("T", bound=Closeable)


def _close_slot(slot: list[Closeable | None]) -> None:
    resource, slot[0] = slot[0], None
    if resource is not None:
        resource.close()


class Lazy(Generic[T]):
    """A resource made by ``start`` on the first :meth:`get`, closed by :meth:`close`.

    :param start: makes the resource; called at most once per start, under a lock.
    :param shared: a resource made elsewhere: :meth:`get` returns it and :meth:`close`
        leaves it open.
    """

    def __init__(self, start: Callable[[], T], shared: T | None = None) -> None:
        self._start = start
        self._shared = shared
        self._lock = threading.Lock()
        # One slot shared with the finalizer, so that garbage collection closes what
        # was started even when ``close`` is never called.
        self._slot: list[T | None] = [None]
        self._finalizer = weakref.finalize(self, _close_slot, self._slot)
        forks.register(self)

    def after_fork_in_child(self) -> None:
        """In a forked child: let go of the parent's resource; the next get starts one."""
        forks.keep_inherited(self._slot[0])
        self._slot[0] = None
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        """Whether a resource is live now (a shared one always is)."""
        return self._shared is not None or self._slot[0] is not None

    @property
    def shared(self) -> bool:
        """Whether the resource was passed in (and is not this object's to close)."""
        return self._shared is not None

    def get(self) -> T:
        """The resource, started now if it is not running."""
        if self._shared is not None:
            return self._shared
        resource = self._slot[0]
        if resource is not None:
            return resource
        with self._lock:
            if self._slot[0] is None:
                self._slot[0] = self._start()
            return self._slot[0]

    def close(self) -> None:
        """End the resource if this object started it; a later :meth:`get` starts anew."""
        with self._lock:
            _close_slot(self._slot)


class Resources:
    """The lazy resources one owner holds, closed together.

    An env keeps one of these and calls :meth:`close` from its own ``close``.
    """

    def __init__(self) -> None:
        self._members: list[Lazy] = []

    def lazy(self, start: Callable[[], T], shared: T | None = None) -> Lazy[T]:
        """Add and return a :class:`Lazy` resource (see its parameters)."""
        resource: Lazy[T] = Lazy(start, shared)
        self._members.append(resource)
        return resource

    def close(self) -> None:
        """Close every member that this owner started (shared ones stay open)."""
        errors = []
        for member in self._members:
            try:
                member.close()
            except Exception as error:  # close the rest before reporting
                errors.append(error)
        if errors:
            raise errors[0]
