"""The GRPO trainer: rollouts, group-relative advantages, PPO-clip updates, metrics,
checkpoints.

One :meth:`GRPOTrainer.step`:

1. plays ``tasks_per_step x group_size`` episodes (and self-play games) with the policy,
   one batched generation per turn (:class:`~cogym.training.rollout.RolloutEngine`);
2. computes advantages (group-relative, or per role for self-play) and builds the samples;
3. runs ``updates_per_batch`` optimiser steps over them, each over
   ``gradient_accumulation_steps`` micro-batches, with the ratio against the behaviour
   log-probs stored at generation, an optional k3 KL to the reference, gradient clipping;
4. logs the step's metrics and, every ``checkpoint_every`` steps, a checkpoint.

The policy generates with the very model being trained (the transformers backend), or
with a vLLM engine whose weights are synced after each update. With
``off_policy_steps: 1`` the next step's rollouts run during this step's update, with
weights one update old.
"""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cogym.agents.backends.base import TokenizerBackend
from cogym.core.errors import CogymError, InvalidArgumentError
from cogym.training import checkpoint as ckpt
from cogym.training.advantages import RoleBaselines
from cogym.training.config import GRPOConfig
from cogym.training.losses import grpo_loss
from cogym.training.policy_agent import PolicyAgent
from cogym.training.rollout import Episode, RolloutEngine, make_pool
from cogym.training.samples import Sample, build_samples, collate, compute_advantages
from cogym.training.schedule import (
    EVAL_SEED_BASE,
    lr_factor,
    sampling_seed,
    step_seeds,
    tasks_per_env,
)
from cogym.training.scoring import score_tokens
from cogym.training.selfplay_rollout import play_games

PoolMaker = Callable[[str, Mapping[str, Any], int], Any]


class GRPOTrainer:
    """Trains an LLM policy on a mix of cogym envs with GRPO.

    :param config: the run's settings.
    :param make_pool: ``(env_id, kwargs, num_envs) -> vector env``; the default is a
        ``SyncVectorEnv``; pass one that builds an ``AsyncVectorEnv`` or a distributed
        pool to step envs elsewhere.
    :param log: write ``metrics.jsonl`` (and TensorBoard events) under ``output_dir``.
    """

    def __init__(
        self, config: GRPOConfig, *, make_pool: PoolMaker = make_pool, log: bool = True
    ) -> None:
        self.config = config
        self.env_ids = config.validate_envs()
        self.tasks = tasks_per_env(config)
        self.run_dir = Path(config.output_dir)
        self.step_index = 0
        _seed_everything(config.seed)
        self.device = torch.device(_device(config.device))
        self.backend = _load_backend(config, self.device)
        self.model = self.backend.model
        if config.lora is not None:
            self.model = _add_lora(self.model, config)
            self.backend.model = self.model
        self.model.eval()  # no dropout: the trainer scores tokens as they were generated
        self.trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.reference = _reference(self.model, config)
        self.autocast = torch.bfloat16 if _bf16(config, self.device) else None
        self.optimizer = torch.optim.AdamW(
            self.trainable, lr=config.learning_rate, weight_decay=0.0
        )
        self.generator = self._generator()
        self.agent = PolicyAgent(
            self.generator,
            max_new_tokens_per_turn=config.max_new_tokens_per_turn,
            max_tokens_per_episode=config.max_tokens_per_episode,
            temperature=config.temperature,
            top_p=config.top_p,
        )
        self.pools = {
            env_id: make_pool(env_id, mix.kwargs, count * config.group_size)
            for env_id, mix, count in zip(self.env_ids, config.envs, self.tasks, strict=True)
            if not mix.self_play
        }
        self.engine = RolloutEngine(self.agent, self.pools) if self.pools else None
        self.baselines = RoleBaselines()
        self._executor: ThreadPoolExecutor | None = None
        self._pending: tuple[int, Future[tuple[list[Episode], dict[str, float]]]] | None = None
        self.logger = None
        if log:
            from cogym.training.metrics import MetricsLogger

            self.run_dir.mkdir(parents=True, exist_ok=True)
            (self.run_dir / "config.yaml").write_text(config.to_yaml(), encoding="utf-8")
            self.logger = MetricsLogger(self.run_dir)

    # -- the loop -----------------------------------------------------------------------

    def train(
        self,
        on_step: Callable[[dict[str, Any]], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Run steps until ``total_steps`` (or ``stop()``), returning their metrics."""
        history = []
        while self.step_index < self.config.total_steps:
            if stop is not None and stop():
                break
            metrics = self.step()
            history.append(metrics)
            if on_step is not None:
                on_step(metrics)
        return history

    def step(self) -> dict[str, Any]:
        """One GRPO step: rollouts, advantages, updates, metrics, maybe a checkpoint."""
        config = self.config
        step = self.step_index
        started = time.perf_counter()
        episodes, rollout_times = self._rollouts_for(step)
        if config.off_policy_steps and step + 1 < config.total_steps:
            self._start_rollouts(step + 1)  # generates with the weights before this update
        advantages = compute_advantages(
            episodes,
            scaling=config.reward_scaling,
            turn_discount=config.turn_discount,
            dynamic_sampling=config.dynamic_sampling,
            baselines=self.baselines,
        )
        samples = build_samples(
            episodes, advantages, unit=config.sample_unit, mask_truncated=config.mask_truncated
        )
        update = self.update(samples)
        if self._pending is not None:
            self._pending[1].result()  # the actor's weights change only between rollouts
        self._sync_generator()
        self.step_index += 1
        metrics: dict[str, Any] = {"step": step}
        metrics.update(getattr(self.generator, "sync_metrics", dict)())
        metrics.update(_episode_metrics(episodes, self.env_ids))
        metrics["zero_variance_fraction"] = advantages.zero_variance_fraction
        metrics["kept_episodes"] = int(advantages.keep.sum())
        metrics["samples"] = len(samples)
        metrics["max_turns"] = config.max_turns_at(step)
        metrics.update(rollout_times)
        metrics.update(update)
        metrics["step_time_s"] = time.perf_counter() - started
        if self.logger is not None:
            self.logger.log(step, {k: v for k, v in metrics.items() if k != "step"})
        if config.checkpoint_every and self.step_index % config.checkpoint_every == 0:
            self.save_checkpoint()
        if config.eval_every and self.step_index % config.eval_every == 0 and self.logger:
            self.logger.log(step, self.evaluate())
        return metrics

    # -- rollouts -----------------------------------------------------------------------

    def rollouts(self, step: int) -> tuple[list[Episode], dict[str, float]]:
        """Play step ``step``'s episodes; return them with their timing metrics."""
        config = self.config
        self.agent.seed = sampling_seed(config, step)
        self.agent.take_tally()
        started = time.perf_counter()
        seeds: dict[str, list[int]] = {}
        games: list[tuple[str, dict[str, Any], list[int]]] = []
        for index, (env_id, mix, count) in enumerate(
            zip(self.env_ids, config.envs, self.tasks, strict=True)
        ):
            if mix.self_play:
                first = step_seeds(config, step, index, 1)[0]
                games.append(
                    (env_id, mix.kwargs, list(range(first, first + count * config.group_size)))
                )
            else:
                seeds[env_id] = step_seeds(config, step, index, count)
        episodes: list[Episode] = []
        if seeds:
            assert self.engine is not None
            episodes += self.engine.run(seeds, config.group_size, config.max_turns_at(step))
        for env_id, kwargs, game_seeds in games:
            episodes += play_games(
                self.agent, env_id, kwargs, game_seeds, group_offset=len(episodes)
            )
        tally = self.agent.take_tally()
        elapsed = time.perf_counter() - started
        return episodes, {
            "time/generation_s": tally.seconds,
            "time/env_s": max(elapsed - tally.seconds, 0.0),
            "generated_tokens": tally.tokens,
            "generated_tokens_per_s": tally.tokens / tally.seconds if tally.seconds else 0.0,
        }

    def _rollouts_for(self, step: int) -> tuple[list[Episode], dict[str, float]]:
        if self._pending is not None and self._pending[0] == step:
            _, future = self._pending
            self._pending = None
            return future.result()
        return self.rollouts(step)

    def _start_rollouts(self, step: int) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cogym-rollout")
        self._pending = (step, self._executor.submit(self.rollouts, step))

    # -- updates ------------------------------------------------------------------------

    def update(self, samples: list[Sample]) -> dict[str, float]:
        """``updates_per_batch`` optimiser steps over ``samples``; the update metrics."""
        config = self.config
        learning_rate = config.learning_rate * lr_factor(config, self.step_index)
        for group in self.optimizer.param_groups:  # the schedule is a function of the step
            group["lr"] = learning_rate
        metrics: dict[str, Any] = {"learning_rate": learning_rate}
        scored = sum(sample.num_scored for sample in samples)
        if not samples or scored == 0:
            return {**metrics, "loss": None, "grad_norm": None, "scored_tokens": 0}
        order = list(range(len(samples)))
        chunks = max(1, min(config.gradient_accumulation_steps, len(samples)))
        sums: dict[str, float] = {}
        timings = {"time/scoring_s": 0.0, "time/backward_s": 0.0}
        entropy_sum, entropy_count, gap_first = 0.0, 0, 0.0
        losses, norms = [], []
        for update in range(config.updates_per_batch):
            if update and chunks > 1:  # new micro-batches for each pass
                random.Random(config.seed * 1_000_003 + self.step_index * 101 + update).shuffle(
                    order
                )
            total_loss = 0.0
            for part in np.array_split(np.array(order), chunks):
                batch = [samples[i] for i in part]
                loss, parts, entropy = self._micro_batch(batch, samples, scored, timings)
                total_loss += loss
                for key, value in parts.items():
                    sums[key] = sums.get(key, 0.0) + value
                if update == 0:
                    gap_first = max(gap_first, parts["logprob_gap_max_raw"])
                    if entropy is not None:
                        entropy_sum += float(entropy.sum())
                        entropy_count += int(entropy.numel())
            started = time.perf_counter()
            norms.append(self._optimizer_step())
            timings["time/backward_s"] += time.perf_counter() - started
            losses.append(total_loss)
        weight = scored * config.updates_per_batch
        for key in ("clip_frac_low", "clip_frac_high", "clip_frac_cap", "ratio_mean", "kl"):
            if key in sums:
                metrics[key] = sums[key] / weight
        metrics["logprob_gap_max"] = gap_first
        metrics["entropy"] = entropy_sum / entropy_count if entropy_count else None
        metrics["loss"] = float(np.mean(losses))
        metrics["grad_norm"] = (
            float(np.mean([n for n in norms if n is not None]))
            if any(n is not None for n in norms)
            else None
        )
        metrics["scored_tokens"] = scored
        metrics.update(timings)
        return metrics

    def _micro_batch(
        self,
        batch: list[Sample],
        samples: list[Sample],
        scored: int,
        timings: dict[str, float],
    ) -> tuple[float, dict[str, float], torch.Tensor | None]:
        config = self.config
        started = time.perf_counter()
        pad = self.backend.tokenizer.pad_token_id
        tensors = {k: v.to(self.device) for k, v in collate(batch, pad).items()}
        logprobs, entropy = score_tokens(self.model, tensors, autocast_dtype=self.autocast)
        reference = None
        if self.reference is not None:
            with torch.no_grad(), self.reference() as ref_model:
                reference, _ = score_tokens(
                    ref_model, tensors, with_entropy=False, autocast_dtype=self.autocast
                )
        aggregation = config.loss_aggregation
        loss, parts = grpo_loss(
            logprobs,
            tensors["old_logprobs"],
            tensors["advantages"],
            tensors["loss_mask"],
            clip_low=config.clip_low,
            clip_high=config.clip_high,
            aggregation=aggregation,
            normaliser=config.dr_grpo_constant if aggregation == "dr_grpo" else None,
            ratio_cap=config.ratio_cap,
            ref_logprobs=reference,
            kl_beta=config.kl_beta,
        )
        # each micro-batch's share of the whole batch's aggregate
        if aggregation == "token_mean":
            share = parts["num_tokens"] / scored
        elif aggregation == "seq_mean":
            share = sum(1 for s in batch if s.num_scored) / sum(1 for s in samples if s.num_scored)
        else:
            share = len(batch) / len(samples)
        loss = loss * share
        timings["time/scoring_s"] += time.perf_counter() - started
        started = time.perf_counter()
        loss.backward()
        timings["time/backward_s"] += time.perf_counter() - started
        tokens = parts["num_tokens"]
        weighted = {
            key: parts[key] * tokens
            for key in ("clip_frac_low", "clip_frac_high", "clip_frac_cap", "ratio_mean", "kl")
            if key in parts
        }
        weighted["logprob_gap_max_raw"] = parts["logprob_gap_max"]
        return float(loss.detach()), weighted, entropy

    def _optimizer_step(self) -> float | None:
        norm = None
        if self.config.max_grad_norm is not None:
            norm = float(torch.nn.utils.clip_grad_norm_(self.trainable, self.config.max_grad_norm))
            if not math.isfinite(norm):
                self.optimizer.zero_grad(set_to_none=True)
                raise CogymError(
                    f"the gradient norm is {norm} at step {self.step_index}: the update was "
                    "skipped and training stops; lower learning_rate or check the model's dtype"
                )
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return norm

    # -- generation backends ------------------------------------------------------------

    def _generator(self) -> TokenizerBackend:
        config = self.config
        if config.backend == "vllm":
            from cogym.training.weight_sync import VLLMGenerator

            return VLLMGenerator(self.model, self.backend, config)
        if config.off_policy_steps:
            actor = copy.copy(self.backend)
            actor.model = copy.deepcopy(self.model)
            actor.model.requires_grad_(False)
            return actor
        return self.backend

    def _sync_generator(self) -> None:
        """Give the generator the weights just trained (a loud error when it fails)."""
        if self.generator is self.backend:
            return
        sync = getattr(self.generator, "sync_weights", None)
        if sync is not None:
            sync(self.model)
            return
        with torch.no_grad():
            self.generator.model.load_state_dict(self.model.state_dict())

    # -- evaluation ---------------------------------------------------------------------

    def evaluate(
        self,
        episodes_per_env: int = 64,
        *,
        greedy: bool = True,
        batch_size: int = 64,
        env_kwargs: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, float]:
        """Mean return and success rate on held-out seeds, with 95% confidence intervals.

        Each single-agent env of the mix plays ``episodes_per_env`` episodes (seeds from
        :data:`~cogym.training.schedule.EVAL_SEED_BASE`, never trained on), greedy unless
        ``greedy=False``, with ``max_turns`` (not the horizon schedule's limit).

        :param env_kwargs: per env id, kwargs replacing the training ones, e.g. a
            ``tasks_path`` of held-out tasks for a dataset-backed env.
        """
        from cogym.training.evaluation import evaluate_policy

        return evaluate_policy(
            self,
            episodes_per_env,
            greedy=greedy,
            batch_size=batch_size,
            seed_base=EVAL_SEED_BASE,
            env_kwargs=env_kwargs,
        )

    # -- checkpoints --------------------------------------------------------------------

    def save_checkpoint(self, folder: str | Path | None = None, *, export: bool = True) -> Path:
        """Write a checkpoint (default ``RUN_DIR/checkpoints/step_NNNNNN``) and return it."""
        folder = Path(folder) if folder else ckpt.checkpoint_dir(self.run_dir, self.step_index)
        state = {
            "step": self.step_index,
            "weights": ckpt.trainable_state(self.model),
            "optimizer": self.optimizer.state_dict(),
            "rng": ckpt.rng_state(),
            "baselines": self.baselines.state_dict(),
            "config": self.config.to_dict(),
        }
        ckpt.save(folder, state)
        (folder / "config.yaml").write_text(self.config.to_yaml(), encoding="utf-8")
        if export:
            self.model.save_pretrained(folder / "model")
            self.backend.tokenizer.save_pretrained(folder / "model")
        return folder

    def load_checkpoint(self, folder: str | Path) -> None:
        """Restore a checkpoint of this run (same model and LoRA settings)."""
        state = ckpt.load(folder)
        if state["step"] >= self.config.total_steps:
            raise InvalidArgumentError(
                f"{folder} was taken after step {state['step']}, and this run has "
                f"total_steps={self.config.total_steps}; raise total_steps to train on"
            )
        ckpt.load_trainable_state(self.model, state["weights"])
        self.optimizer.load_state_dict(state["optimizer"])
        ckpt.set_rng_state(state["rng"])
        self.baselines.load_state_dict(state["baselines"])
        self.step_index = int(state["step"])
        self._sync_generator()

    def close(self) -> None:
        """Stop the rollout thread, close the envs and the logger."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        for pool in self.pools.values():
            pool.close()
        if self.logger is not None:
            self.logger.close()

    def __enter__(self) -> GRPOTrainer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- helpers ------------------------------------------------------------------------------


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidArgumentError(
            f"GRPOConfig.device is {device!r} but torch sees no CUDA GPU; set device: cpu or auto"
        )
    return device


def _bf16(config: GRPOConfig, device: torch.device) -> bool:
    if config.bf16 == "auto":
        return device.type == "cuda"
    return bool(config.bf16)


def _load_backend(config: GRPOConfig, device: torch.device) -> Any:
    from cogym.agents.backends.transformers_backend import TransformersBackend

    dtype = None if config.dtype == "auto" else config.dtype
    return TransformersBackend(config.model, device=str(device), dtype=dtype)


def _add_lora(model: Any, config: GRPOConfig) -> Any:
    try:
        import peft
    except ImportError as error:
        raise InvalidArgumentError(
            f"lora needs peft: pip install 'cogym[train]' ({error}); or set lora: null"
        ) from None
    lora = config.lora
    assert lora is not None
    targets: Any = list(lora.target_modules)
    if targets == ["all-linear"]:
        targets = "all-linear"
    peft_config = peft.LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=targets,
        task_type="CAUSAL_LM",
    )
    try:
        return peft.get_peft_model(model, peft_config)
    except ValueError as error:
        raise InvalidArgumentError(f"GRPOConfig.lora: {error}") from None


def _reference(model: Any, config: GRPOConfig) -> Callable[[], Any] | None:
    """A context manager factory yielding the frozen reference model (kl_beta > 0)."""
    if config.kl_beta == 0:
        return None
    import contextlib

    if config.lora is not None:  # the base model without the adapters

        @contextlib.contextmanager
        def disabled():
            with model.disable_adapter():
                yield model

        return disabled
    frozen = copy.deepcopy(model).requires_grad_(False).eval()

    @contextlib.contextmanager
    def same():
        yield frozen

    return same


def _episode_metrics(episodes: list[Episode], env_ids: tuple[str, ...]) -> dict[str, Any]:
    rewards = np.array([episode.reward for episode in episodes], dtype=np.float64)
    success = np.array([episode.success for episode in episodes], dtype=np.float64)
    metrics: dict[str, Any] = {
        "episodes": len(episodes),
        "reward_mean": float(rewards.mean()) if rewards.size else None,
        "reward_std": float(rewards.std()) if rewards.size else None,
        "success_rate": float(success.mean()) if success.size else None,
        "episode_turns": float(np.mean([e.turns for e in episodes])) if episodes else None,
        "episode_tokens": float(np.mean([e.tokens.generated for e in episodes]))
        if episodes
        else None,
        "truncated_fraction": float(np.mean([e.truncated for e in episodes])) if episodes else None,
    }
    for env_id in env_ids:
        mine = [e for e in episodes if e.env_id == env_id]
        if mine:
            metrics[f"reward_mean/{env_id}"] = float(np.mean([e.reward for e in mine]))
            metrics[f"success_rate/{env_id}"] = float(np.mean([e.success for e in mine]))
    return metrics
