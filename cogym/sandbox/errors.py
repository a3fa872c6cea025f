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
