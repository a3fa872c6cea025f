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


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A tiny random chat model folder, built once per test session."""
    pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")
    from tests.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_backend(tiny_model_dir):
    """A TransformersBackend over the tiny model, on CPU."""
    from cogym.agents.backends.transformers_backend import TransformersBackend

    backend = TransformersBackend(tiny_model_dir, device="cpu")
    yield backend
    backend.close()


@pytest.fixture
def digits_family():
    """The toy digits family of tests/training/toy_envs.py, registered for one test."""
    from tests.training.toy_envs import DIGITS

    cogym.register_family(DIGITS)
    yield DIGITS
    cogym.unregister_family(DIGITS)


def pytest_collection_modifyitems(config, items):
    """Tests parametrized over every id skip the web ids where no browser can start."""
    from tests.marks import browser_available, needs_browser

    if browser_available():
        return
    web_ids = set(cogym.family("web").env_ids)
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if any(isinstance(value, str) and value in web_ids for value in params.values()):
            item.add_marker(needs_browser)
