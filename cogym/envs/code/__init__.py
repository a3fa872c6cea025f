"""Code: write code, run it in the sandbox, submit it to hidden tests."""

from cogym.envs.code.env import CodeEnv

__all__ = ["CodeEnv"]
