"""Countdown: reach a target number with + - * / over given numbers."""

from cogym.envs.countdown.env import CountdownEnv
from cogym.envs.countdown.generator import PRESETS, CountdownConfig, generate_task, task_at
from cogym.envs.countdown.solver import solve
from cogym.envs.countdown.task import validate_task
from cogym.envs.countdown.verifier import Verdict, score_answer, verify

__all__ = [
    "PRESETS",
    "CountdownConfig",
    "CountdownEnv",
    "Verdict",
    "generate_task",
    "score_answer",
    "solve",
    "task_at",
    "validate_task",
    "verify",
]
