"""Fork safety: a forked child never uses, nor ends, the worker processes of its parent.

A shared grader or sandbox pool warmed in the parent and handed to an async vector env,
an env already stepped in the parent and then forked, and a bare :class:`Lazy`: in each
case the child must get its own processes, read only its own verdicts, and leave the
parent's working.
"""

from __future__ import annotations

import os
import pickle

import gymnasium as gym

from cogym.core.resources import Lazy
from cogym.envs.math.grader import MathGrader
from cogym.sandbox import SandboxPool
from tests.marks import needs_sandbox
from tests.test_resources import _describe, descendants, leftovers

NUM_ENVS = 4


def _in_child(work) -> object:
    """Run ``work()`` in a forked child and return what it returned (pickled back)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running the parent's cleanup
        try:
            os.close(read)
            os.write(write, pickle.dumps(work()))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


def _math_actions(infos: dict) -> tuple[str, ...]:
    """Correct answers for even envs, a wrong one for odd envs."""
    golds = list(infos["task"]["answer"])
    return tuple(
        f"\\boxed{{{gold}}}" if index % 2 == 0 else "\\boxed{999999}"
        for index, gold in enumerate(golds)
    )


def test_a_shared_grader_warmed_in_the_parent_grades_each_async_env_its_own_answer() -> None:
    before = descendants()
    grader = MathGrader()
    seen = set()
    try:
        assert grader.grade("\\boxed{2}", "2").correct  # the parent now holds a worker
        for seed in range(3):
            envs = gym.make_vec(
                "cogym/Math-v0",
                num_envs=NUM_ENVS,
                vectorization_mode="async",
                vector_kwargs={"shared_memory": False},
                grader=grader,
            )
            try:
                _, infos = envs.reset(seed=seed)
                _, rewards, _, _, infos = envs.step(_math_actions(infos))
                seen |= descendants()
            finally:
                envs.close()
            assert list(infos["feedback_kind"]) == ["correct", "wrong_answer"] * 2, seed
            assert list(rewards) == [1.0, 0.0, 1.0, 0.0]
        # The parent's worker was never touched by a child.
        assert grader.grade("\\boxed{3}", "2").kind == "wrong_answer"
        assert grader.grade("\\boxed{4/2}", "2").correct
    finally:
        grader.close()
    left = leftovers(before, seen)
    assert not left, f"processes left: {_describe(left)}"


def test_an_env_stepped_in_the_parent_works_in_a_forked_child_and_after_it() -> None:
    env = gym.make("cogym/Math-v0")
    try:
        _, info = env.reset(seed=0)
        gold = info["task"]["answer"]
        assert env.step("\\boxed{999999}")[4]["feedback_kind"] == "wrong_answer"
        worker_pids = descendants()

        def child() -> list[str]:
            env.reset(options={"index": info["task_index"]})
            kinds = [env.step(f"\\boxed{{{gold}}}")[4]["feedback_kind"]]
            env.reset(options={"index": info["task_index"]})
            kinds.append(env.step("\\boxed{999999}")[4]["feedback_kind"])
            env.close()  # closes the child's own worker only
            return kinds

        assert _in_child(child) == ["correct", "wrong_answer"]
        assert worker_pids <= descendants(), "the child ended a worker of its parent"
        env.reset(options={"index": info["task_index"]})
        assert env.step(f"\\boxed{{{gold}}}")[4]["feedback_kind"] == "correct"
    finally:
        env.close()


class _Resource:
    closed = 0

    def close(self) -> None:
        _Resource.closed += 1


def test_a_lazy_resource_starts_anew_in_a_child_and_leaves_the_parents_open() -> None:
    started: list[int] = []

    def start() -> _Resource:
        started.append(os.getpid())
        return _Resource()

    lazy = Lazy(start)
    parent_resource = lazy.get()

    def child() -> dict:
        mine = lazy.get()
        lazy.close()
        return {
            "new": mine is not parent_resource,
            "starts": len(started),
            "closed": _Resource.closed,
        }

    assert _in_child(child) == {"new": True, "starts": 2, "closed": 1}
    assert lazy.get() is parent_resource and _Resource.closed == 0
    lazy.close()
    assert _Resource.closed == 1


@needs_sandbox
def test_a_shared_sandbox_pool_serves_async_code_envs_and_survives_them() -> None:
    words = ("alpha", "bravo", "charlie", "delta")
    with SandboxPool(size=1) as pool:
        assert pool.run("print(6 * 7)").stdout == "42\n"  # the parent now holds a sandbox
        for _ in range(2):
            envs = gym.make_vec(
                "cogym/Code-v0",
                num_envs=len(words),
                vectorization_mode="async",
                vector_kwargs={"shared_memory": False},
                sandbox=pool,
            )
            try:
                envs.reset(seed=0)
                observations, *_ = envs.step(tuple(f"<run>print({w!r})</run>" for w in words))
            finally:
                envs.close()
            for word, observation in zip(words, observations, strict=True):
                others = [other for other in words if other != word]
                assert word in observation and not any(o in observation for o in others)
        assert pool.run("print(1 + 1)").stdout == "2\n"


@needs_sandbox
def test_a_sandbox_pool_used_in_a_forked_child_runs_there_and_stays_whole_in_the_parent() -> None:
    with SandboxPool(size=1) as pool:
        assert pool.run("import os; print(os.getpid())").ok

        def child() -> list[str]:
            return [pool.run(f"print({n} * 2)").stdout for n in range(3)]

        assert _in_child(child) == ["0\n", "2\n", "4\n"]
        assert [pool.run(f"print({n} + 1)").stdout for n in range(3)] == ["1\n", "2\n", "3\n"]
