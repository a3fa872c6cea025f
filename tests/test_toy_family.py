"""A new env family built from the README's "Add an env family" recipe, in this file alone:
registering it is all it takes for gym.make, `cogym list`, `cogym run`, the agent
registry, the env checker and the fuzz test to serve it."""

import json
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import pytest

import cogym
from cogym.cli import main
from cogym.core.agent import Agent
from cogym.core.answers import extract_answer
from cogym.core.config import TaskConfig
from cogym.core.errors import InvalidTaskError
from cogym.core.family import AgentSpec, EnvEntry, Family
from cogym.core.task_env import TaskEnv
from cogym.core.tasks import check_task_keys
from cogym.core.text_env import Outcome
from cogym.core.verdict import Verdict
from tests.contract import check_env_contract, fuzz_env


@dataclass(frozen=True)
class ReverseConfig(TaskConfig):
    max_length: int = 8

    def validate(self) -> None:
        self.require(self.max_length in range(1, 21), f"max_length must be 1-20, got {self}")


def generate(rng, config: ReverseConfig) -> dict[str, Any]:
    return {"word": "".join(rng.choice("abcdef") for _ in range(rng.randint(1, config.max_length)))}


def validate(task) -> dict[str, Any]:
    check_task_keys(task, family="reverse", allowed=("word",), required=("word",), example="{}")
    if not isinstance(task["word"], str) or not task["word"].isalpha():
        raise InvalidTaskError("reverse task needs 'word': letters")
    return {"word": task["word"]}


def verify(text: str, task: dict[str, Any]) -> Verdict:
    found = extract_answer(text, ("tag",))
    if found is None:
        return Verdict(0.0, False, "no_answer", "Answer inside <answer></answer>.", valid=False)
    right = found.text == task["word"][::-1]
    return Verdict(
        float(right), right, "correct" if right else "wrong_answer", "", True, found.text
    )


class ReverseEnv(TaskEnv, config=ReverseConfig, generate=generate, validate=validate):
    """Reverse a word; the answer goes in ``<answer>`` tags (2 turns)."""

    made = 0  # how many were built (cogym run builds one per batch slot)

    def __init__(self, *, max_length: int | None = None, max_turns: int = 2, render_mode=None):
        ReverseEnv.made += 1
        config = ReverseConfig().with_overrides(max_length=max_length)
        super().__init__(config=config, max_turns=max_turns, render_mode=render_mode)

    def _start_task(self, options):
        return f"Reverse the word {self.task['word']}. Answer like <answer>WORD</answer>.", {}

    def _apply_action(self, action: str) -> Outcome:
        verdict = verify(action, self.task)
        observation = "Correct." if verdict.success else f"Not yet. {self.turns_left_line()}"
        return Outcome(
            observation,
            verdict.feedback_kind,
            valid=verdict.valid,
            reward=verdict.score,
            terminated=verdict.success,
            success=verdict.success,
        )


class Reverser(Agent):
    def act(self, observation, info):
        self.word = info.get("task", {}).get("word", getattr(self, "word", ""))
        return f"<answer>{self.word[::-1]}</answer>"


TOY = Family(
    name="toy-reverse",
    env_class=ReverseEnv,
    envs=(EnvEntry("cogym/ToyReverse-v0", "Reverse a word (a family defined in a test)"),),
    verify=verify,
    agents=(AgentSpec("reverser", lambda env, seed: Reverser(), "reverses it", role="expert"),),
)


@pytest.fixture(autouse=True)
def toy_family():
    cogym.register_family(TOY)
    yield TOY
    cogym.unregister_family(TOY)


def test_gym_make_and_the_env_checker_serve_the_new_family():
    assert isinstance(gym.make("cogym/ToyReverse-v0").unwrapped, ReverseEnv)
    assert "cogym/ToyReverse-v0" in cogym.env_ids()
    check_env_contract("cogym/ToyReverse-v0")


def test_the_fuzz_test_serves_the_new_family():
    assert fuzz_env("cogym/ToyReverse-v0") > 0


def test_cogym_list_shows_the_new_id(capsys):
    assert main(["list", "--format", "json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["cogym/ToyReverse-v0"]["max_turns"] == "2"


@pytest.mark.parametrize(("agent", "success"), [("random", 0.0), ("reverser", 1.0)])
def test_cogym_run_plays_the_new_family_with_generic_and_own_agents(capsys, agent, success):
    argv = ["run", "ToyReverse-v0", "--agent", agent, "--episodes", "4", "--json", "--quiet"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["success_rate"] == success


@pytest.mark.parametrize("batch", [1, 3])
def test_cogym_run_builds_one_env_per_batch_slot_and_no_more(capsys, batch):
    ReverseEnv.made = 0
    argv = ["run", "ToyReverse-v0", "--episodes", "5", "--batch", str(batch), "--quiet"]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["episodes"] == 5
    assert ReverseEnv.made == batch


def test_episodes_replay_from_their_task_index():
    env = cogym.make("cogym/ToyReverse-v0")
    _, info = env.reset(seed=5)
    _, replayed = env.reset(options={"index": info["task_index"]})
    assert replayed["task"] == info["task"]


def test_unregistering_takes_the_ids_away():
    cogym.unregister_family(TOY)
    assert "cogym/ToyReverse-v0" not in cogym.env_ids()
    assert "cogym/ToyReverse-v0" not in gym.registry
