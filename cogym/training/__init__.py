"""The GRPO training harness (issue 13)."""

from cogym.training.config import EnvMix, GRPOConfig

__all__ = ["EnvMix", "GRPOConfig"]
