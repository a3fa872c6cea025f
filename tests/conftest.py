import gymnasium as gym
import pytest

import cogym

COUNTDOWN_IDS = ["cogym/Countdown-v0", "cogym/Countdown-Easy-v0", "cogym/Countdown-Hard-v0"]


@pytest.fixture
def make_env():
    """Make envs by id and close them after the test."""
    made: list[gym.Env] = []

    def _make(env_id: str, **kwargs) -> gym.Env:
        env = cogym.make(env_id, **kwargs)
        made.append(env)
        return env

    yield _make
    for env in made:
        env.close()
