"""Fork safety: a forked child never uses, nor ends, the processes its parent started.

``os.fork()`` (what gymnasium's ``AsyncVectorEnv`` and ``multiprocessing`` do by default on
Linux) copies every object into the child, including a grader's or a sandbox pool's
handles to worker processes that belong to the parent. A child that wrote to those pipes
would read verdicts meant for other processes (rewards swapped between envs), and one that
closed them would kill its parent's workers.

Every object that holds processes registers with :func:`register`; in each forked child
its ``after_fork_in_child()`` runs before any user code, and must drop the inherited
handles without touching them (no write, no kill, no close) so that the child starts its
own processes when it next needs them. What is dropped is kept referenced here
(:func:`keep_inherited`) so that garbage collection in the child never closes it either.
"""

from __future__ import annotations

import os
import weakref
from typing import Any, Protocol


class ForkAware(Protocol):
    """An object that holds processes or pipes and can let go of them in a child."""

    def after_fork_in_child(self) -> None: ...


_HOLDERS: weakref.WeakSet[Any] = weakref.WeakSet()
_INHERITED: list[Any] = []


def register(holder: ForkAware) -> None:
    """Call ``holder.after_fork_in_child()`` in every child forked from now on."""
    _HOLDERS.add(holder)


def keep_inherited(*objects: Any) -> None:
    """Keep what a child inherited alive and untouched, so that nothing closes it there."""
    _INHERITED.extend(objects)


def _after_fork_in_child() -> None:
    # Runs in the child, which has a single thread: no lock may be taken here (one may
    # have been held by another of the parent's threads at the moment of the fork).
    for holder in list(_HOLDERS):
        holder.after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)
