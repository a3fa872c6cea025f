"""The code env and its verifier on the docker sandbox backend, as on bwrap.

The other code tests use ``sandbox_backend="auto"`` (bwrap where it works); these run the
same promises in docker containers. They skip, saying what to run, where docker does not
work, and fail instead where ``$COGYM_REQUIRE_BACKENDS`` names docker (``make test``).
"""

from __future__ import annotations

from collections.abc import Iterator

import gymnasium as gym
import pytest

import cogym
from cogym.envs.code.generator import FAMILIES, CodeConfig, task_at
from cogym.envs.code.verifier import verify
from cogym.sandbox import SandboxPool
from tests.envs.code.test_code_env import ADD
from tests.envs.code.test_code_verifier import HUMANEVAL_TASK as HUMANEVAL
from tests.sandbox.sandbox_helpers import skip_unless_available


@pytest.fixture(scope="module")
def env() -> Iterator[gym.Env]:
    """One Code env on docker for the module: its pool's containers serve every test."""
    skip_unless_available("docker")
    shared = cogym.make("cogym/Code-v0", sandbox_backend="docker", timeout_s=5.0)
    yield shared
    shared.close()


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    skip_unless_available("docker")
    with SandboxPool(2, backend="docker") as shared:
        yield shared


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_is_solved_by_its_reference_solution_on_docker(env, family):
    task = task_at(CodeConfig(families=(family,)), 0, 0)
    env.reset(options={"task": task})
    observation, reward, terminated, _, info = env.step(f"<submit>{task['solution']}</submit>")
    assert info["success"] and reward == 1.0 and terminated, observation


def test_runs_errors_and_timeouts_are_reported_on_docker(env):
    env.reset(options={"task": ADD})
    observation, *_, info = env.step("<run>print('hi', 6 * 7)</run>")
    assert "hi 42" in observation and info["feedback_kind"] == "run_ok"
    observation, *_, info = env.step("<run>raise ValueError('boom')</run>")
    assert info["feedback_kind"] == "run_error" and "ValueError: boom" in observation
    env.unwrapped.timeout_s = 1.0
    try:
        assert env.step("<run>while True: pass</run>")[4]["feedback_kind"] == "run_timeout"
    finally:
        env.unwrapped.timeout_s = 5.0
    assert env.step(f"<submit>{ADD['solution']}</submit>")[4]["success"]


def test_escape_attempts_in_runs_do_not_hurt_the_env_on_docker(env, tmp_path):
    env.reset(options={"task": ADD})
    marker = tmp_path / "escaped"
    env.unwrapped.timeout_s = 2.0
    try:
        for code in (
            f"open({str(marker)!r}, 'w').write('x')",
            "import os\nwhile True:\n    os.fork()",
            "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=1)",
        ):
            info = env.step(f"<run>{code}</run>")[4]
            assert info["action_valid"] and info["feedback_kind"] != "run_ok", code
    finally:
        env.unwrapped.timeout_s = 5.0
    assert not marker.exists()
    assert env.step(f"<submit>{ADD['solution']}</submit>")[4]["success"]


def test_the_verifier_judges_on_a_docker_pool(pool):
    right = verify(ADD["solution"], ADD, runner=pool)
    assert (right.score, right.success, right.feedback_kind) == (1.0, True, "all_passed")
    wrong = verify("def add(a, b):\n    return a * b\n", ADD, runner=pool)
    assert not wrong.success and "Example 1 failed" in wrong.message
    humaneval = verify("def add(a, b):\n    return a + b\n", HUMANEVAL, runner=pool)
    assert humaneval.success and humaneval.details["total"] == 1
