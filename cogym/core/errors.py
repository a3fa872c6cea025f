"""Errors raised by cogym for misuse of its API.

Malformed *actions* never raise: an env answers them with feedback and a penalty.
These errors are for programming mistakes (bad kwargs, unknown ids, stepping a
finished episode), and each message says what to do instead.
"""

from __future__ import annotations


class CogymError(Exception):
    """Base class of every error cogym raises on purpose."""


class InvalidArgumentError(CogymError, ValueError):
    """A kwarg, option or config value is out of range or of the wrong type."""


class UnknownKwargError(CogymError, TypeError):
    """An env or agent was given a keyword argument it does not accept."""


class UnknownEnvError(CogymError, KeyError):
    """An env id is not registered by cogym."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownAgentError(CogymError, KeyError):
    """An agent name is not known, or the agent does not support the env."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ResetNeeded(CogymError, RuntimeError):
    """`step` was called before `reset`, or after the episode ended."""


class InvalidTaskError(CogymError, ValueError):
    """A task given through `options` or a `tasks_path` file does not fit the env's schema."""
