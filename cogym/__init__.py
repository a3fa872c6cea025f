"""cogym: Gymnasium-compatible multi-turn environments for LLM and classic RL agents.

``import cogym`` registers every env id below with gymnasium, so that
``gym.make("cogym/Countdown-v0")`` works (as does ``gym.make("cogym:cogym/Countdown-v0")``
without the import).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from cogym import registration
from cogym.core.errors import CogymError
from cogym.core.family import AgentSpec, EnvEntry, Family
from cogym.envs import code, countdown, math, poker, web
from cogym.registration import families, family, register_family, unregister_family

__version__ = "0.1.0"

#: The family table: every family cogym ships, in the order ``cogym list`` shows them.
#: Adding a family is one line here (a family in another package calls
#: :func:`register_family`, or names its ``FAMILY`` under the ``cogym.families``
#: entry-point group, which is read on import).
FAMILIES: tuple[Family, ...] = (
    countdown.FAMILY,
    code.FAMILY,
    math.FAMILY,
    poker.FAMILY,
    web.FAMILY,
)

for _family in FAMILIES:
    register_family(_family)
registration.load_plugins()


def make(env_id: str, **kwargs: Any) -> gym.Env:
    """Make a cogym env; the ``cogym/`` prefix is optional.

    :param env_id: e.g. ``"cogym/Countdown-v0"`` or ``"Countdown-v0"``.
    :param kwargs: passed to ``gym.make`` (env kwargs, ``render_mode``...).
    :raises UnknownEnvError: for an id cogym does not register, naming the closest ones.
    """
    return registration.make(env_id, **kwargs)


def env_ids() -> list[str]:
    """Every registered cogym env id, in table order."""
    return [entry.id for _, entry in registration.entries()]


__all__ = [
    "FAMILIES",
    "AgentSpec",
    "CogymError",
    "EnvEntry",
    "Family",
    "__version__",
    "env_ids",
    "families",
    "family",
    "make",
    "register_family",
    "unregister_family",
]
