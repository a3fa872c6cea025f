"""Countdown: reach a target number with + - * / over given numbers."""

from cogym.core.family import AgentSpec, EnvEntry, Family
from cogym.envs.countdown.agents import RandomExpressionAgent, SolverAgent
from cogym.envs.countdown.env import CountdownEnv
from cogym.envs.countdown.generator import PRESETS, CountdownConfig, generate_task, task_at
from cogym.envs.countdown.solver import solve
from cogym.envs.countdown.task import validate_task
from cogym.envs.countdown.verifier import Verdict, score_answer, verify, verify_task

FAMILY = Family(
    name="countdown",
    env_class=CountdownEnv,
    summary="Arithmetic puzzles: reach a target with + - * / over given numbers",
    envs=(
        EnvEntry(
            "cogym/Countdown-v0",
            "Reach a target with 4 numbers and + - * /; feedback and retries",
            {"preset": "default"},
        ),
        EnvEntry("cogym/Countdown-Easy-v0", "Countdown with 3 small numbers", {"preset": "easy"}),
        EnvEntry(
            "cogym/Countdown-Hard-v0",
            "Countdown with 6 TV-show numbers (large ones too) and a 3-digit target",
            {"preset": "hard"},
        ),
    ),
    verify=verify_task,
    agents=(
        AgentSpec(
            "solver",
            lambda env, seed: SolverAgent(use_all=env.unwrapped.use_all_numbers),
            "Countdown: exhaustive search, solves every solvable puzzle",
            role="expert",
        ),
        AgentSpec(
            "random-expr",
            lambda env, seed: RandomExpressionAgent(
                use_all=env.unwrapped.use_all_numbers, seed=seed
            ),
            "Countdown: a random well-formed expression over the numbers (chance level)",
            role="random",
        ),
    ),
)

__all__ = [
    "FAMILY",
    "PRESETS",
    "CountdownConfig",
    "CountdownEnv",
    "RandomExpressionAgent",
    "SolverAgent",
    "Verdict",
    "generate_task",
    "score_answer",
    "solve",
    "task_at",
    "validate_task",
    "verify",
    "verify_task",
]
