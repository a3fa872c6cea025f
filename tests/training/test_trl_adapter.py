"""The TRL adapters: cogym prompts and rewards in TRL's GRPOTrainer, single- and multi-turn.

Every trainer here is TRL's real GRPOTrainer on the tiny random model, on CPU.
"""

import importlib.util
import json
import math
from pathlib import Path

import pytest

pytest.importorskip("trl", reason="needs the train extra: pip install 'cogym[train]'")

import cogym
from cogym.core.errors import InvalidArgumentError
from cogym.training.advantages import NonFiniteRewardError
from cogym.training.chat_tokens import ChatTokens
from cogym.training.trl_adapter import (
    CogymReward,
    finite_reward,
    prompt_dataset,
)
from cogym.training.trl_rollout import CogymRollout, episode_return

EASY = "cogym/Countdown-Easy-v0"


@pytest.fixture(autouse=True)
def _quiet_trl(monkeypatch):
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")  # rollout_func is "experimental"


def grpo_args(tmp_path, **overrides):
    from trl import GRPOConfig

    settings = {
        "output_dir": str(tmp_path / "run"),
        "num_generations": 2,
        "per_device_train_batch_size": 2,
        "max_completion_length": 8,
        "max_steps": 2,
        "learning_rate": 1e-4,
        "logging_steps": 1,
        "save_strategy": "no",
        "report_to": "none",
        "use_cpu": True,
        "seed": 0,
    }
    return GRPOConfig(**(settings | overrides))


def test_dataset_rows_hold_the_prompt_and_what_rebuilds_the_episode(make_env):
    dataset = prompt_dataset(EASY, n=3, seed=5, env_kwargs={"max_turns": 2})
    assert dataset.column_names == ["prompt", "env_id", "env_kwargs", "seed"]
    assert dataset["seed"] == [5, 6, 7]
    env = make_env(EASY, max_turns=2)
    for row in dataset:
        observation, _ = env.reset(seed=row["seed"])
        system, user = row["prompt"]
        assert system["role"] == "system" and "<answer></answer>" in system["content"]
        assert user == {"role": "user", "content": observation}
        assert (row["env_id"], json.loads(row["env_kwargs"])) == (EASY, {"max_turns": 2})


def test_dataset_refuses_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="n must be"):
        prompt_dataset(EASY, n=0)
    with pytest.raises(InvalidArgumentError, match="JSON-serialisable"):
        prompt_dataset(EASY, n=1, env_kwargs={"max_turns": object()})
    with pytest.raises(cogym.CogymError):
        prompt_dataset("cogym/NoSuchEnv-v0", n=1)


def test_reward_is_the_envs_reward_for_right_wrong_and_malformed_answers(make_env):
    dataset = prompt_dataset(EASY, n=2)
    env = make_env(EASY)
    rows = [dataset[0]] * 3 + [dataset[1]]
    tasks = [env.reset(seed=row["seed"])[1]["task"] for row in rows]
    wrong = tasks[1]["numbers"][0]
    assert wrong != tasks[1]["target"]
    completions = [
        f"Let me think. <answer>{tasks[0]['solution']}</answer>",
        f"<answer>{wrong}</answer>",
        "no idea",
        [{"role": "assistant", "content": f"<answer>{tasks[3]['solution']}</answer>"}],
    ]
    reward = CogymReward()
    columns = {key: [row[key] for row in rows] for key in ("env_id", "env_kwargs", "seed")}
    prompts = [row["prompt"] for row in rows]
    assert reward(prompts=prompts, completions=completions, **columns) == [1.0, 0.0, -0.1, 1.0]
    assert reward.__name__ == "cogym_reward"
    assert len(reward.envs) == 1  # one env replays every row of the same kind
    reward.close()


def test_reward_refuses_a_prompt_its_env_would_not_show():
    dataset = prompt_dataset(EASY, n=1)
    other = prompt_dataset("cogym/Countdown-Hard-v0", n=1)
    row = dataset[0]
    with pytest.raises(InvalidArgumentError, match="another observation"):
        CogymReward()(
            prompts=[other[0]["prompt"]],
            completions=["<answer>1</answer>"],
            env_id=[row["env_id"]],
            env_kwargs=[row["env_kwargs"]],
            seed=[row["seed"]],
        )


def test_reward_without_the_dataset_columns_says_how_to_build_them():
    with pytest.raises(InvalidArgumentError, match="prompt_dataset"):
        CogymReward()(prompts=["p"], completions=["c"])


def test_non_finite_rewards_stop_with_the_env_and_seed():
    for value in (math.nan, math.inf):
        with pytest.raises(NonFiniteRewardError, match="Countdown-Easy-v0 with seed 7"):
            finite_reward(value, EASY, 7, index=3)
    with pytest.raises(NonFiniteRewardError, match="seed 4") as caught:
        episode_return(
            ["a", "b"], cogym_return=[0.0, math.nan], cogym_seed=[3, 4], env_id=[EASY] * 2
        )
    assert caught.value.index == 1


def test_grpo_trainer_runs_two_steps_on_the_cogym_reward(tiny_model_dir, tmp_path):
    from trl import GRPOTrainer

    trainer = GRPOTrainer(
        model=str(tiny_model_dir),
        reward_funcs=CogymReward(),
        args=grpo_args(tmp_path),
        train_dataset=prompt_dataset(EASY, n=4),
    )
    trainer.train()
    assert trainer.state.global_step == 2
    logged = [entry["rewards/cogym_reward/mean"] for entry in trainer.state.log_history[:-1]]
    assert len(logged) == 2
    # An 8-token reply of a random model: any of Countdown's rewards, nothing else.
    assert all(-0.1 - 1e-6 <= value <= 1.0 + 1e-6 for value in logged)


def multi_turn_trainer(tiny_model_dir, tmp_path, dataset, rollout, **overrides):
    from trl import GRPOTrainer

    return GRPOTrainer(
        model=str(tiny_model_dir),
        reward_funcs=episode_return,
        args=grpo_args(tmp_path, max_completion_length=300, **overrides),
        train_dataset=dataset,
        rollout_func=rollout,
    )


def runs(mask):
    """(start, end, value) of each run of equal values in ``mask``."""
    found, start = [], 0
    for i in range(1, len(mask) + 1):
        if i == len(mask) or mask[i] != mask[start]:
            found.append((start, i, mask[start]))
            start = i
    return found


def test_rollout_plays_whole_episodes_with_env_replies_masked(tiny_model_dir, tmp_path, make_env):
    dataset = prompt_dataset(EASY, n=2)
    rollout = CogymRollout(dataset, max_turns=3, max_turn_tokens=4)
    trainer = multi_turn_trainer(tiny_model_dir, tmp_path, dataset, rollout)
    prompts = [dataset[0]["prompt"], dataset[1]["prompt"]]
    out = rollout(prompts, trainer)

    tokenizer = trainer.processing_class
    chat = ChatTokens(tokenizer, trainer.eos_token_ids)
    env = make_env(EASY)
    for i, row in enumerate([dataset[0], dataset[1]]):
        ids, mask = out["completion_ids"][i], out["env_mask"][i]
        assert out["prompt_ids"][i] == chat.first_prompt(row["prompt"])
        assert len(ids) == len(mask) <= 300
        # Replay the episode with the replies the model gave: each masked run is exactly
        # the template's ids of the env's reply to the reply before it.
        env.reset(seed=row["seed"])
        total, turns = 0.0, 0
        pieces = runs(mask)
        for k, (start, end, value) in enumerate(pieces):
            if value == 0:
                continue
            reply = ids[start:end]
            assert len(reply) <= 4
            observation, reward, terminated, truncated, _ = env.step(
                tokenizer.decode(reply, skip_special_tokens=True)
            )
            total, turns = total + reward, turns + 1
            if k + 1 < len(pieces):
                glue_start, glue_end, _ = pieces[k + 1]
                ended = reply[-1] in chat.end_token_ids
                assert ids[glue_start:glue_end] == chat.reply_glue(observation, ended)
        assert pieces[0][2] == 1 and pieces[-1][2] == 1  # starts and ends with a reply
        assert out["cogym_turns"][i] == turns
        assert out["cogym_return"][i] == pytest.approx(total)
        assert out["cogym_seed"][i] == row["seed"]
    # The random model never solves it, so both episodes ran to the 3-turn limit.
    assert out["cogym_turns"] == [3, 3]
    rollout.close()


def test_rollout_refuses_a_prompt_it_was_not_given(tiny_model_dir, tmp_path):
    dataset = prompt_dataset(EASY, n=1)
    rollout = CogymRollout(dataset)
    trainer = multi_turn_trainer(tiny_model_dir, tmp_path, dataset, rollout)
    stranger = [{"role": "user", "content": "hello"}]
    with pytest.raises(InvalidArgumentError, match="not in its dataset"):
        rollout([stranger], trainer)
    with pytest.raises(InvalidArgumentError, match="prompt_dataset"):
        CogymRollout([{"prompt": stranger}])


def test_grpo_trainer_trains_two_steps_on_multi_turn_episodes(tiny_model_dir, tmp_path):
    dataset = prompt_dataset(EASY, n=2)
    rollout = CogymRollout(dataset, max_turns=3, max_turn_tokens=4)
    trainer = multi_turn_trainer(tiny_model_dir, tmp_path, dataset, rollout)
    trainer.train()
    assert trainer.state.global_step == 2
    steps = trainer.state.log_history[:-1]
    assert [math.isfinite(entry["rewards/episode_return/mean"]) for entry in steps] == [True] * 2
    # TRL counts only the env_mask=1 tokens: at most 3 replies of 4 tokens, although each
    # sequence also holds two env replies of dozens of tokens.
    assert all(entry["completions/max_length"] <= 12 for entry in steps)
    rollout.close()


def test_the_trl_example_trains_a_model_folder(tiny_model_dir, tmp_path, capsys):
    path = Path(__file__).resolve().parents[2] / "examples" / "trl_grpo.py"
    spec = importlib.util.spec_from_file_location("trl_grpo_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    sizes = [
        "--steps",
        "1",
        "--tasks",
        "2",
        "--num-generations",
        "2",
        "--max-completion-length",
        "8",
    ]
    example.main(["--model", str(tiny_model_dir), *sizes, "--output-dir", str(tmp_path / "run")])
    assert "step    1  reward" in capsys.readouterr().out
