import gymnasium as gym
import pytest

import cogym
from cogym.core.errors import CogymError, UnknownEnvError, UnknownKwargError
from cogym.envs.countdown import CountdownEnv
from tests.contract import check_env_contract


def test_import_registers_every_id():
    for env_id in cogym.env_ids():
        assert env_id in gym.registry
    assert cogym.env_ids()[:3] == [
        "cogym/Countdown-v0",
        "cogym/Countdown-Easy-v0",
        "cogym/Countdown-Hard-v0",
    ]


@pytest.mark.parametrize("env_id", cogym.env_ids())
def test_every_registered_id_passes_gymnasium_env_checker_without_warnings(env_id):
    check_env_contract(env_id)


@pytest.mark.parametrize("env_id", ["cogym/Countdown-v0", "cogym:cogym/Countdown-v0"])
def test_gym_make_accepts_both_id_forms(env_id):
    env = gym.make(env_id)
    assert isinstance(env.unwrapped, CountdownEnv)
    env.close()


def test_variants_are_presets_of_one_class():
    assert gym.make("cogym/Countdown-Easy-v0").unwrapped.config.count == 3
    assert gym.make("cogym/Countdown-Hard-v0").unwrapped.config.count == 6


def test_cogym_make_takes_the_id_without_prefix():
    assert cogym.make("Countdown-v0").spec.id == "cogym/Countdown-v0"


def test_unknown_id_suggests_close_ids():
    with pytest.raises(UnknownEnvError, match="Did you mean cogym/Countdown-v0"):
        cogym.make("cogym/Countdwn-v0")


def test_unknown_kwarg_names_the_accepted_ones():
    with pytest.raises(UnknownKwargError, match=r"'turns'.*accepted kwargs are: preset, count"):
        gym.make("cogym/Countdown-v0", turns=3)


def test_errors_share_one_base_class():
    assert issubclass(UnknownEnvError, CogymError) and issubclass(UnknownKwargError, TypeError)


@pytest.mark.parametrize(
    ("env_id", "kwargs"),
    [
        ("cogym/Countdown-v0", {"dataset_seed": True}),
        ("cogym/Countdown-v0", {"count": True}),
        ("cogym/Countdown-v0", {"max_turns": True}),
        ("cogym/Code-v0", {"max_submissions": True}),
        ("cogym/Code-v0", {"pool_size": True}),
        ("cogym/Code-v0", {"num_tests": True}),
        ("cogym/Math-v0", {"max_attempts": True}),
        ("cogym/Math-v0", {"tool_memory_mb": True}),
        ("cogym/Math-v0", {"min_difficulty": True}),
        ("cogym/KuhnPoker-v0", {"num_hands": True}),
        ("cogym/KuhnPoker-v0", {"error_allowance": True}),
    ],
)
def test_a_bool_is_not_taken_for_an_int(env_id, kwargs):
    with pytest.raises(CogymError, match=f"{next(iter(kwargs))} must be"):
        gym.make(env_id, **kwargs)


@pytest.mark.parametrize("env_id", cogym.env_ids())
@pytest.mark.parametrize("render_mode", [1, b"ansi", ["ansi"], "rgb"])
def test_gym_make_refuses_a_bad_render_mode_with_a_clear_error(env_id, render_mode):
    # gymnasium's own check raised AttributeError ('int' has no attribute 'endswith').
    with pytest.raises(CogymError, match=r"render_mode .* is not supported; use one of"):
        gym.make(env_id, render_mode=render_mode)
    gym.make(env_id, render_mode="ansi").close()
