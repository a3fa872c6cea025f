"""Math: answers in \\boxed{}, graded by math-verify; retries and a Python tool."""

from cogym.core.family import AgentSpec, EnvEntry, Family
from cogym.envs.math.agents import GoldAnswerAgent
from cogym.envs.math.env import MathEnv
from cogym.envs.math.generator import MathConfig, generate_task, task_at
from cogym.envs.math.grader import MathGrader, grade, verify
from cogym.envs.math.task import validate_task

FAMILY = Family(
    name="math",
    env_class=MathEnv,
    summary="Math problems with exact answers, graded by math-verify",
    envs=(
        EnvEntry(
            "cogym/Math-v0",
            "Math problems with exact answers; one attempt, graded by math-verify",
            {"mode": "single"},
        ),
        EnvEntry(
            "cogym/Math-Retry-v0",
            "Math; after a wrong answer only 'incorrect', up to 3 attempts",
            {"mode": "retry", "max_attempts": 3},
        ),
        EnvEntry(
            "cogym/Math-Python-v0",
            "Math with a sandboxed Python tool (<python>...</python>, 4 calls)",
            {"mode": "python", "max_tool_calls": 4},
        ),
    ),
    verify=verify,
    agents=(
        AgentSpec(
            "gold",
            lambda env, seed: GoldAnswerAgent(),
            "Math: answers the gold answer in \\boxed{} (the grader's upper bound)",
            role="oracle",
        ),
    ),
)

__all__ = [
    "FAMILY",
    "GoldAnswerAgent",
    "MathConfig",
    "MathEnv",
    "MathGrader",
    "generate_task",
    "grade",
    "task_at",
    "validate_task",
    "verify",
]
