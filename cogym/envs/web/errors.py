"""Errors of the web family: a missing browser, a dead browser, and actions that cannot run."""

from __future__ import annotations

from cogym.core.errors import CogymError


class BrowserNotFoundError(CogymError, RuntimeError):
    """No Chromium could be launched (none installed, or the given path does not start)."""


class BrowserDiedError(CogymError, RuntimeError):
    """The browser (or its page) crashed or was killed; call `Browser.restart()` and start over."""


class ActionError(CogymError, ValueError):
    """A parsed action could not be carried out on the page (stale id, hidden element...)."""


class ActionSyntaxError(CogymError, ValueError):
    """An action string is not one of the BrowserGym-style calls the env accepts."""
