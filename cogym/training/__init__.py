"""The GRPO training harness: config, rollout engine, advantages, losses, trainer.

``GRPOConfig`` needs only the standard library and pyyaml; ``GRPOTrainer`` (torch,
transformers) is imported on first use.
"""

from typing import Any

from cogym.training.config import EnvMix, GRPOConfig

__all__ = ["EnvMix", "GRPOConfig", "GRPOTrainer"]


def __getattr__(name: str) -> Any:
    if name == "GRPOTrainer":
        from cogym.training.trainer import GRPOTrainer

        return GRPOTrainer
    raise AttributeError(f"module 'cogym.training' has no attribute {name!r}")
