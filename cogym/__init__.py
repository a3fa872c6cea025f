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
from cogym.registration import EnvEntry

__version__ = "0.1.0"

#: Every env id cogym registers. ``cogym list`` and the README table are made from it.
ENVS: tuple[EnvEntry, ...] = (
    EnvEntry(
        "cogym/Countdown-v0",
        "cogym.envs.countdown.env:CountdownEnv",
        "Reach a target with 4 numbers and + - * /; feedback and retries",
        {"preset": "default"},
    ),
    EnvEntry(
        "cogym/Countdown-Easy-v0",
        "cogym.envs.countdown.env:CountdownEnv",
        "Countdown with 3 small numbers",
        {"preset": "easy"},
    ),
    EnvEntry(
        "cogym/Countdown-Hard-v0",
        "cogym.envs.countdown.env:CountdownEnv",
        "Countdown with 6 TV-show numbers (large ones too) and a 3-digit target",
        {"preset": "hard"},
    ),
    EnvEntry(
        "cogym/Code-v0",
        "cogym.envs.code.env:CodeEnv",
        "Write a Python function; run code in a sandbox, submit to hidden tests",
        {"kind": "function"},
    ),
    EnvEntry(
        "cogym/Code-IO-v0",
        "cogym.envs.code.env:CodeEnv",
        "Write a stdin/stdout Python program; run code in a sandbox, submit to hidden tests",
        {"kind": "io"},
    ),
    EnvEntry(
        "cogym/Math-v0",
        "cogym.envs.math.env:MathEnv",
        "Math problems with exact answers; one attempt, graded by math-verify",
        {"mode": "single"},
    ),
    EnvEntry(
        "cogym/Math-Retry-v0",
        "cogym.envs.math.env:MathEnv",
        "Math; after a wrong answer only 'incorrect', up to 3 attempts",
        {"mode": "retry", "max_attempts": 3},
    ),
    EnvEntry(
        "cogym/Math-Python-v0",
        "cogym.envs.math.env:MathEnv",
        "Math with a sandboxed Python tool (<python>...</python>, 4 calls)",
        {"mode": "python", "max_tool_calls": 4},
    ),
    EnvEntry(
        "cogym/KuhnPoker-v0",
        "cogym.envs.poker.env:KuhnPokerEnv",
        "Kuhn poker, one hand against a Nash/random/fixed/agent opponent; text or vector",
        {"num_hands": 1},
        vector_entry_point="cogym.envs.poker.vector_env:KuhnPokerVectorEnv",
    ),
    EnvEntry(
        "cogym/KuhnPoker-Match-v0",
        "cogym.envs.poker.env:KuhnPokerEnv",
        "Kuhn poker match of 10 hands, alternating seats, chip totals",
        {"num_hands": 10},
        vector_entry_point="cogym.envs.poker.vector_env:KuhnPokerVectorEnv",
    ),
)

registration.register_all(ENVS)


def make(env_id: str, **kwargs: Any) -> gym.Env:
    """Make a cogym env; the ``cogym/`` prefix is optional.

    :param env_id: e.g. ``"cogym/Countdown-v0"`` or ``"Countdown-v0"``.
    :param kwargs: passed to ``gym.make`` (env kwargs, ``render_mode``...).
    :raises UnknownEnvError: for an id cogym does not register, naming the closest ones.
    """
    return registration.make(env_id, ENVS, **kwargs)


def env_ids() -> list[str]:
    """Every registered cogym env id, in table order."""
    return [entry.id for entry in ENVS]


__all__ = ["ENVS", "CogymError", "EnvEntry", "__version__", "env_ids", "make"]
