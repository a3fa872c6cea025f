"""The error the sandbox raises when it is misused."""

from __future__ import annotations

from cogym.core.errors import CogymError


class SandboxError(CogymError):
    """The sandbox API was misused or cannot work here.

    Raised for arguments out of range, file paths outside the scratch dir, an unknown
    backend, ``subprocess`` not chosen explicitly, or no isolating backend on this
    machine. What the *code* does (crash, loop, fork bomb...) never raises: it is
    reported in the :class:`~cogym.sandbox.result.ExecResult`.
    """


class SandboxLimitError(SandboxError):
    """A limit or a count of the sandbox API is not a number in its allowed range.

    Raised when a :class:`~cogym.sandbox.limits.Limits`, a
    :class:`~cogym.sandbox.SandboxPool` or :func:`~cogym.sandbox.run_many` is given e.g.
    ``memory_mb=10**9``, ``size=10**6`` or ``workers=1.5``; the message names the range
    to pass (the bounds are the ``MAX_*`` constants of :mod:`cogym.sandbox.limits`).
    """
