"""The GRPO trainer on a tiny random model: learning, exactness, accumulation, resume."""

from __future__ import annotations

import json
import math

import pytest
import torch

from cogym.training import GRPOConfig
from cogym.training.trainer import GRPOTrainer
from tests.training.toy_envs import DIGITS_ID


def config(model_dir, tmp_path, **overrides):
    settings = dict(
        model=str(model_dir),
        device="cpu",
        envs=[{"id": DIGITS_ID, "kwargs": {"max_turns": 1}}],
        group_size=4,
        tasks_per_step=2,
        max_new_tokens_per_turn=6,
        max_tokens_per_episode=12,
        learning_rate=3e-3,
        total_steps=4,
        output_dir=str(tmp_path / "run"),
        seed=1,
    )
    settings.update(overrides)
    return GRPOConfig(**settings)


def weights(trainer):
    return {n: p.detach().clone() for n, p in trainer.model.named_parameters() if p.requires_grad}


@pytest.mark.usefixtures("digits_family")
def test_mean_reward_rises_on_a_trivially_learnable_env(tiny_model_dir, tmp_path):
    settings = config(
        tiny_model_dir, tmp_path, total_steps=16, tasks_per_step=4, learning_rate=1e-2
    )
    with GRPOTrainer(settings, log=False) as trainer:
        rewards = [m["reward_mean"] for m in trainer.train()]
    first, last = sum(rewards[:4]) / 4, sum(rewards[-4:]) / 4
    assert last > first + 0.2, rewards


@pytest.mark.usefixtures("digits_family")
def test_the_first_update_scores_tokens_as_they_were_generated(tiny_model_dir, tmp_path):
    with GRPOTrainer(config(tiny_model_dir, tmp_path, total_steps=1), log=False) as trainer:
        metrics = trainer.step()
    assert metrics["scored_tokens"] > 0
    assert metrics["logprob_gap_max"] < 1e-4
    assert 0 < metrics["entropy"] < math.log(600)


@pytest.mark.usefixtures("digits_family")
def test_every_update_of_a_batch_uses_the_stored_behaviour_logprobs(
    tiny_model_dir, tmp_path, monkeypatch
):
    import cogym.training.trainer as trainer_module

    seen = []
    real = trainer_module.grpo_loss

    def spy(logprobs, old_logprobs, *args, **kwargs):
        seen.append((logprobs.detach().clone(), old_logprobs.clone()))
        return real(logprobs, old_logprobs, *args, **kwargs)

    monkeypatch.setattr(trainer_module, "grpo_loss", spy)
    settings = config(tiny_model_dir, tmp_path, updates_per_batch=3, total_steps=1)
    with GRPOTrainer(settings, log=False) as trainer:
        episodes, _ = trainer.rollouts(0)
        metrics = trainer.step()
    assert len(seen) == 3
    (first_new, first_old), (_, second_old), (third_new, third_old) = seen
    assert torch.equal(first_old, second_old) and torch.equal(first_old, third_old)
    mask = first_old != 0
    assert torch.allclose(first_new[mask], first_old[mask], atol=1e-4)  # on-policy at first
    assert (third_new[mask] - third_old[mask]).abs().max() > 1e-3  # the later passes moved
    behaviour = sorted(
        lp for e in episodes for lp, m in zip(e.tokens.logprobs, e.tokens.mask, strict=True) if m
    )
    assert sorted(first_old[mask].tolist()) == pytest.approx(behaviour, abs=1e-6)
    assert metrics["ratio_mean"] != 1.0


@pytest.mark.parametrize("aggregation", ["token_mean", "seq_mean", "dr_grpo"])
@pytest.mark.usefixtures("digits_family")
def test_gradient_accumulation_gives_the_whole_batch_gradient(
    tiny_model_dir, tmp_path, aggregation
):
    grads = []
    for accumulation in (1, 4):
        settings = config(
            tiny_model_dir,
            tmp_path,
            loss_aggregation=aggregation,
            gradient_accumulation_steps=accumulation,
            max_grad_norm=None,
            total_steps=1,
        )
        with GRPOTrainer(settings, log=False) as trainer:
            episodes, _ = trainer.rollouts(0)
            from cogym.training.samples import build_samples, compute_advantages

            advantages = compute_advantages(
                episodes,
                scaling="group",
                turn_discount=None,
                dynamic_sampling=False,
                baselines=trainer.baselines,
            )
            samples = build_samples(episodes, advantages, unit="episode", mask_truncated=False)
            kept = []  # the gradient each optimiser step would apply
            trainer._optimizer_step = lambda kept=kept, trainer=trainer: kept.append(
                [p.grad.clone() for p in trainer.trainable if p.grad is not None]
            )
            trainer.update(samples)
            assert len(kept) == 1
            grads.append(kept[0])
    assert len(grads[0]) == len(grads[1]) > 0
    for one, four in zip(*grads, strict=False):
        assert torch.allclose(one, four, atol=1e-6, rtol=1e-4)


@pytest.mark.usefixtures("digits_family")
def test_resume_gives_the_same_next_step(tiny_model_dir, tmp_path):
    settings = config(tiny_model_dir, tmp_path, total_steps=3, checkpoint_every=2)
    with GRPOTrainer(settings) as trainer:
        straight = trainer.train()
        final = weights(trainer)
    checkpoint = tmp_path / "run" / "checkpoints" / "step_000002"
    assert (checkpoint / "state.pt").is_file() and (checkpoint / "model" / "config.json").is_file()
    resumed_settings = config(
        tiny_model_dir, tmp_path, total_steps=3, output_dir=str(tmp_path / "again")
    )
    with GRPOTrainer(resumed_settings, log=False) as trainer:
        trainer.load_checkpoint(checkpoint)
        again = trainer.step()
        resumed = weights(trainer)
    timeless = {k for k in again if "time" in k or k.endswith("_per_s")}
    assert {k: v for k, v in again.items() if k not in timeless} == {
        k: v for k, v in straight[2].items() if k not in timeless
    }
    for name, value in final.items():
        assert torch.equal(value, resumed[name]), name
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [0, 1, 2]


@pytest.mark.usefixtures("digits_family")
def test_turn_samples_horizon_schedule_and_discount(tiny_model_dir, tmp_path):
    settings = config(
        tiny_model_dir,
        tmp_path,
        envs=[{"id": DIGITS_ID, "kwargs": {"max_turns": 3}}],
        sample_unit="turn",
        turn_discount=0.9,
        max_turns=3,
        horizon_schedule=[[0, 1], [1, 3]],
        max_tokens_per_episode=18,
        total_steps=2,
    )
    with GRPOTrainer(settings, log=False) as trainer:
        first, second = trainer.train()
    assert first["max_turns"] == 1 and first["episode_turns"] == 1
    assert second["max_turns"] == 3 and second["episode_turns"] == 3
    assert first["samples"] == 8 and second["samples"] == 24  # one per reply


@pytest.mark.usefixtures("digits_family")
def test_kl_lora_and_off_policy_run(tiny_model_dir, tmp_path):
    settings = config(
        tiny_model_dir,
        tmp_path,
        kl_beta=0.1,
        lora={"r": 4, "alpha": 8, "target_modules": ["q_proj", "v_proj"]},
        off_policy_steps=1,
        total_steps=3,
        learning_rate=5e-2,
    )
    with GRPOTrainer(settings, log=False) as trainer:
        names = [n for n, p in trainer.model.named_parameters() if p.requires_grad]
        history = trainer.train()
    assert names and all("lora_" in name for name in names)
    assert all(m["kl"] is not None and m["kl"] >= 0 for m in history)
    assert history[0]["kl"] == pytest.approx(
        0.0, abs=1e-6
    )  # the first update starts at the reference
    # step 1 was generated before step 0's update: its behaviour log-probs are one update old
    assert history[0]["logprob_gap_max"] < 1e-4 and history[1]["logprob_gap_max"] > 1e-4


@pytest.mark.usefixtures("digits_family")
def test_dynamic_sampling_and_mask_truncated(tiny_model_dir, tmp_path):
    settings = config(
        tiny_model_dir, tmp_path, dynamic_sampling=True, mask_truncated=True, total_steps=1
    )
    with GRPOTrainer(settings, log=False) as trainer:
        metrics = trainer.step()
    # every digits episode runs to its turn limit (truncated): nothing is scored
    assert metrics["scored_tokens"] == 0 and metrics["loss"] is None


def test_self_play_trains_both_seats_with_role_baselines(tiny_model_dir, tmp_path):
    settings = config(
        tiny_model_dir,
        tmp_path,
        envs=[{"id": "cogym/KuhnPoker-v0", "kwargs": {"num_hands": 1}, "self_play": True}],
        group_size=2,
        total_steps=1,
    )
    with GRPOTrainer(settings, log=False) as trainer:
        episodes, _ = trainer.rollouts(0)
        metrics = trainer.step()
        state = trainer.baselines.state_dict()
    assert {e.role for e in episodes} == {"0", "1"} and len(episodes) == 8
    assert {e.seed for e in episodes} == set(
        range(min(e.seed for e in episodes), min(e.seed for e in episodes) + 4)
    )
    assert {row[1] for row in state["baselines"]} == {"0", "1"}
    assert metrics["scored_tokens"] > 0


@pytest.mark.usefixtures("digits_family")
def test_evaluation_reports_confidence_intervals(tiny_model_dir, tmp_path):
    with GRPOTrainer(config(tiny_model_dir, tmp_path), log=False) as trainer:
        result = trainer.evaluate(10, batch_size=4)
    assert result["eval/episodes"] == 10
    assert (
        result["eval/reward_ci_low"] <= result["eval/reward_mean"] <= result["eval/reward_ci_high"]
    )
    assert (
        0
        <= result["eval/success_ci_low"]
        <= result["eval/success_rate"]
        <= result["eval/success_ci_high"]
        <= 1
    )


def test_impossible_settings_fail_at_start(tiny_model_dir, tmp_path):
    from cogym.core.errors import InvalidArgumentError, UnknownEnvError

    with pytest.raises(UnknownEnvError, match="Countdown"):
        GRPOTrainer(config(tiny_model_dir, tmp_path, envs=["cogym/Countdwn-v0"]), log=False)
    starved = [{"id": "cogym/Countdown-v0", "weight": 10}, {"id": "cogym/Math-v0", "weight": 1}]
    with pytest.raises(InvalidArgumentError, match="get no task"):
        GRPOTrainer(config(tiny_model_dir, tmp_path, envs=starved), log=False)


def test_wilson_interval_is_exact_at_the_ends():
    from cogym.training.evaluation import mean_ci, wilson_ci

    assert wilson_ci(0, 200)[:2] == (0.0, 0.0) and wilson_ci(200, 200)[1:] == (
        pytest.approx(0.98, abs=0.01),
        1.0,
    )
    rate, low, high = wilson_ci(50, 200)
    assert (
        rate == 0.25
        and low == pytest.approx(0.1947, abs=1e-3)
        and high == pytest.approx(0.3148, abs=1e-3)
    )
    mean, low, high = mean_ci([0.0, 1.0] * 50)
    assert mean == 0.5 and high - mean == pytest.approx(1.96 * 0.5025 / 10, rel=1e-3)
