"""TaskEnv, TextEnv's hooks and the resource lifecycle, on tiny envs built here."""

from dataclasses import dataclass

import numpy as np
import pytest
from gymnasium import spaces

from cogym.core.answers import last_nonempty_line
from cogym.core.config import TaskConfig
from cogym.core.errors import InvalidArgumentError
from cogym.core.resources import Lazy
from cogym.core.task_env import TaskEnv
from cogym.core.text_env import Outcome, TextEnv


@dataclass(frozen=True)
class CountConfig(TaskConfig):
    high: int = 100

    def validate(self):
        self.require(self.high >= 1, "high must be >= 1")


class Closer:
    def __init__(self, log):
        self.log = log

    def close(self):
        self.log.append("closed")


class GuessEnv(
    TaskEnv,
    config=CountConfig,
    generate=lambda rng, config: {"n": rng.randint(1, config.high)},
    validate=lambda task: {"n": int(task["n"])},
):
    def __init__(self, *, high=None, max_turns=3, log=None, shared=None):
        super().__init__(config=CountConfig().with_overrides(high=high), max_turns=max_turns)
        self.log = log if log is not None else []
        self.helper = self.resources.lazy(lambda: Closer(self.log), shared=shared)

    def _start_task(self, options):
        return "Guess.", {}

    def _apply_action(self, action):
        self.helper.get()
        right = action.strip() == str(self.task["n"])
        return Outcome(self.turns_left_line(), "correct" if right else "wrong", terminated=right)


def test_a_seeded_reset_reports_an_index_that_replays_the_task():
    env = GuessEnv()
    _, info = env.reset(seed=11)
    assert info["task"] == env.task_at(info["task_index"])
    _, again = env.reset(options={"index": info["task_index"]})
    assert again["task"] == info["task"] and again["task_index"] == info["task_index"]


def test_config_overrides_are_validated():
    with pytest.raises(InvalidArgumentError, match="invalid CountConfig: high must be"):
        GuessEnv(high=0)
    with pytest.raises(InvalidArgumentError, match="no field"):
        CountConfig().with_overrides(low=1)


def test_turns_left_line_has_one_wording():
    env = GuessEnv(max_turns=3)
    env.reset(seed=0, options={"task": {"n": 5}})
    assert [env.step("1")[0] for _ in range(3)] == [
        "2 turns left.",
        "1 turn left.",
        "No turns left.",
    ]


def test_resources_start_on_first_use_and_end_with_close():
    log = []
    env = GuessEnv(log=log)
    env.reset(seed=0)
    assert not env.helper.started
    env.step("0")
    assert env.helper.started and log == []
    env.close()
    assert log == ["closed"] and not env.helper.started


def test_a_shared_resource_is_used_but_left_open():
    log = []
    shared = Closer(log)
    env = GuessEnv(shared=shared)
    env.reset(seed=0)
    env.step("0")
    assert env.helper.get() is shared
    env.close()
    assert log == []


def test_garbage_collection_closes_a_lazy_resource():
    log = []
    lazy = Lazy(lambda: Closer(log))
    lazy.get()
    del lazy
    assert log == ["closed"]


class PickEnv(TextEnv):
    def __init__(self, render_mode=None):
        super().__init__(max_turns=2, render_mode=render_mode)
        self.action_space = spaces.Discrete(3)

    def _start_episode(self, options):
        return "Pick 0, 1 or 2.", {}

    def _apply_choice(self, choice):
        return Outcome(f"You picked {choice}.", "ok", terminated=choice == 2)

    def _render_rgb(self):
        return np.zeros((4, 4, 3), dtype=np.uint8)


@pytest.mark.parametrize("action", [0, np.int64(1), np.array(2), np.array([1])])
def test_a_discrete_action_reaches_apply_choice(action):
    env = PickEnv()
    env.reset(seed=0)
    observation, _, _, _, info = env.step(action)
    assert (
        observation == f"You picked {int(np.asarray(action).reshape(()))}." and info["action_valid"]
    )


@pytest.mark.parametrize("action", [3, -1, True, 1.0, "1", None])
def test_an_action_outside_the_discrete_space_is_invalid_not_an_error(action):
    env = PickEnv()
    env.reset(seed=0)
    _, reward, _, _, info = env.step(action)
    assert not info["action_valid"] and info["feedback_kind"] == "invalid_action"
    assert reward == env.invalid_action_reward


def test_an_env_that_draws_declares_rgb_array():
    assert "rgb_array" in PickEnv.metadata["render_modes"]
    assert "rgb_array" not in TextEnv.metadata["render_modes"]
    env = PickEnv(render_mode="rgb_array")
    env.reset(seed=0)
    assert env.render().shape == (4, 4, 3)


@pytest.mark.parametrize(
    ("text", "line"),
    [("x\n$$\n", "x"), ("3 * 8\n```\n", "3 * 8"), ("a\n\\]\n", "a"), ("```\n", None)],
)
def test_last_line_skips_fence_and_display_math_delimiters(text, line):
    assert last_nonempty_line(text) == line
