"""Math: answers in \\boxed{}, graded by math-verify; retries and a Python tool."""

from cogym.envs.math.env import MathEnv

__all__ = ["MathEnv"]
