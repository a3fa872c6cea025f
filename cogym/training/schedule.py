"""Per-step plans of a run: the learning rate, the env of each task, and the seeds.

Everything here is a pure function of the config and the step, so a resumed run makes
the same tasks and draws the same samples as one that never stopped.
"""

from __future__ import annotations

import math

import numpy as np

from cogym.core.errors import InvalidArgumentError
from cogym.training.config import GRPOConfig

#: Training seeds lie below this; evaluation seeds start at it (held-out tasks).
EVAL_SEED_BASE = 2**30


def lr_factor(config: GRPOConfig, step: int) -> float:
    """The learning rate's multiplier at ``step``: linear warmup, then the schedule."""
    if step < config.warmup_steps:
        return (step + 1) / (config.warmup_steps + 1)
    if config.lr_schedule == "constant":
        return 1.0
    span = max(config.total_steps - config.warmup_steps, 1)
    progress = min((step - config.warmup_steps) / span, 1.0)
    if config.lr_schedule == "linear":
        return 1.0 - progress
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def tasks_per_env(config: GRPOConfig) -> list[int]:
    """The tasks (groups) each env of the mix gets per step: ``tasks_per_step`` split by
    the weights, largest remainders first (ties to the earlier env).

    :raises InvalidArgumentError: when an env would get no task at all.
    """
    weights = np.array([env.weight for env in config.envs], dtype=np.float64)
    shares = config.tasks_per_step * weights / weights.sum()
    counts = np.floor(shares).astype(int)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in order[: config.tasks_per_step - int(counts.sum())]:
        counts[i] += 1
    starved = [config.envs[i].id for i, count in enumerate(counts) if count == 0]
    if starved:
        raise InvalidArgumentError(
            f"GRPOConfig.envs: {starved} get no task of the {config.tasks_per_step} per step "
            "with these weights; raise tasks_per_step or their weight"
        )
    return [int(count) for count in counts]


def step_seeds(config: GRPOConfig, step: int, env_index: int, count: int) -> list[int]:
    """``count`` env seeds for ``step``'s tasks of env ``env_index`` (below
    :data:`EVAL_SEED_BASE`)."""
    state = np.random.SeedSequence([config.seed, step, env_index]).generate_state(count)
    return [int(value) % EVAL_SEED_BASE for value in state]


def sampling_seed(config: GRPOConfig, step: int) -> int:
    """The generation seed of ``step``'s first batched call."""
    return int(np.random.SeedSequence([config.seed, step, 2**31]).generate_state(1)[0])
