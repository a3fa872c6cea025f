"""Code: write code, run it in a sandbox, submit it to hidden tests."""

from cogym.core.family import AgentSpec, EnvEntry, Family
from cogym.envs.code.agents import ReferenceAgent
from cogym.envs.code.env import CodeEnv
from cogym.envs.code.generator import CodeConfig, generate_task, task_at
from cogym.envs.code.task import validate_task
from cogym.envs.code.verifier import evaluate_submission, verify

FAMILY = Family(
    name="code",
    env_class=CodeEnv,
    summary="Programming tasks judged by hidden tests in a sandbox",
    envs=(
        EnvEntry(
            "cogym/Code-v0",
            "Write a Python function; run code in a sandbox, submit to hidden tests",
            {"kind": "function"},
        ),
        EnvEntry(
            "cogym/Code-IO-v0",
            "Write a stdin/stdout Python program; run code in a sandbox, submit to hidden tests",
            {"kind": "io"},
        ),
    ),
    verify=verify,
    agents=(
        AgentSpec(
            "reference",
            lambda env, seed: ReferenceAgent(),
            "Code: submits the task's reference solution (the upper bound)",
            role="oracle",
        ),
    ),
)

__all__ = [
    "FAMILY",
    "CodeConfig",
    "CodeEnv",
    "ReferenceAgent",
    "evaluate_submission",
    "generate_task",
    "task_at",
    "validate_task",
    "verify",
]
