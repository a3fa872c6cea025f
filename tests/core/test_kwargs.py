"""Every kwarg of every registered env is checked when the env is made: a bad value
raises a CogymError naming the kwarg (never a bare ValueError, TypeError or
AttributeError, and never later, at reset or step), and every default still works.

One table of bad values per kwarg serves every id; a kwarg that a registered env
accepts but the table lacks fails :func:`test_the_table_covers_every_kwarg_of_every_id`,
so a new kwarg comes with its bad values."""

import inspect

import gymnasium as gym
import pytest

import cogym
from cogym.core.errors import CogymError
from cogym.sandbox.limits import max_memory_mb

HUGE = 10**5000  # past Python's int-to-string limit: even printing it raises
NAN, INF = float("nan"), float("inf")
NUMBER = ["abc", "1", None, True, NAN, INF, -INF, HUGE, [1.0]]  # not a finite number
COUNT = [0, -1, 1.5, True, "2", None, HUGE]  # not an int >= 1
TIMEOUT = [0, -1, 1e-9, 1e9, "5", None, True, NAN, INF, HUGE]
MEMORY_MB = [0, 63, 10**9, 512.0, 1e9, True, "512", None, HUGE]
BOOL = ["no", "False", 0, 1, None, 1.0]
KEY = [3, "", "  ", None, ["question"]]
SHARED = [123, "shared", object()]  # not a pool or a grader

#: For each kwarg of a registered env, values that must be refused when the env is made.
BAD = {
    # every text env
    "max_turns": [0, -1, 1.5, True, "2", 2**31, HUGE],  # None: the env's own default
    "invalid_action_reward": NUMBER,
    "render_mode": ["rgb", "human", "", "ANSI"],  # non-str ones: test_render_mode_...
    # every task env
    "dataset_seed": [None, 1.7, True, "0", 2**63, -(2**63), HUGE],
    "tasks_path": [123, 1.5, True, b"tasks.jsonl", "", ["tasks.jsonl"], "/no/such/tasks.jsonl"],
    # Countdown
    "preset": ["extreme", "", 1, None, True],
    "count": [0, 13, 1.5, True, "4", HUGE],
    "min_number": [0, -1, 10**7, 1.5, True, "1", HUGE],
    "max_number": [0, 10**7, 2.5, True, "25", HUGE],
    "small_copies": [-1, 13, 1.5, True, "2", HUGE],
    "large_numbers": ["25 50", 5, [0], [1.5], [True], [10**7], [HUGE]],
    "max_large": [-1, 99, 1.5, True, "1", HUGE],
    "min_target": [0, -5, 1.5, True, "10", HUGE],
    "max_target": [0, 10**10, 1.5, True, "200", HUGE],
    "min_numbers_used": [0, 99, 1.5, True, "2", HUGE],
    "use_all_numbers": BOOL,
    "format_reward": NUMBER,
    # Code
    "kind": ["python", "", 1, True],
    "families": ["abc", ["no_such_family"], 0, 1, [1], True],
    "num_examples": [-1, 11, 1.5, True, "2", HUGE],
    "num_tests": [0, 51, 1.5, True, "10", HUGE],
    "max_submissions": [*COUNT, 10**7],
    "reward": ["best", "", 1, None, True],
    "timeout_s": TIMEOUT,
    "memory_mb": MEMORY_MB,
    "sandbox_backend": ["nope", "", "AUTO", None, 1, True],
    "pool_size": [*COUNT, 129, 10**6],
    "sandbox": SHARED,
    # Math
    "mode": ["chat", "", 1, None, True],
    "min_difficulty": [0, 4, 1.5, True, "1", HUGE],
    "max_difficulty": [0, 4, 2.5, True, "3", HUGE],
    "max_attempts": [*COUNT, 10**7],
    "attempt_discount": [0, -0.5, 1.5, "1", None, True, NAN, INF],
    "max_tool_calls": [-1, 1.5, True, "4", None, 10**7, HUGE],
    "grade_timeout_s": TIMEOUT,
    "tool_timeout_s": TIMEOUT,
    "tool_memory_mb": MEMORY_MB,
    "grader": SHARED,
    "question_key": KEY,
    "answer_key": KEY,
    # Kuhn poker
    "opponent": [123, "nope", None, 1.5],
    "opponent_alpha": [-0.1, 0.5, "x", None, True, NAN, INF],
    "seat": [2, -1, 1.0, "left", True, None],
    "obs_mode": ["image", "", 1, None, True],
    "num_hands": [*COUNT, 10**7],
    # Web
    "suite": ["web", "", "SHOP", 1, None, True],
    "task_name": [1, True, "", "no-such-task", ["login"]],
    "products": [0, 9, 10**6, 1.5, True, "100", HUGE],
    "catalogue_seed": [1.5, True, "0", [0], HUGE],
    "max_tree_chars": [0, 199, 60_001, 1.5, True, "8000", None, HUGE],
    "executable_path": [1, True, "", "/no/such/chromium", "/etc", ["chromium"]],
    "headless": BOOL,
    "viewport": [(800,), (0, 600), (800, 99_999), "800x600", None, (800.0, 600), (True, 600)],
    "error_allowance": [*COUNT, 101],
}


def _env_class(env_id):
    return next(family.env_class for family in cogym.families() if env_id in family.env_ids)


def _kwargs_of(env_id):
    """The kwargs the env class of ``env_id`` accepts, in signature order."""
    parameters = inspect.signature(_env_class(env_id).__init__).parameters
    return [name for name in parameters if name != "self"]


def _id_kwarg_pairs():
    for env_id in cogym.env_ids():
        for kwarg in _kwargs_of(env_id):
            yield pytest.param(env_id, kwarg, id=f"{env_id}-{kwarg}")


def _shown(value):
    try:
        return repr(value)
    except ValueError:
        return "<a 5000-digit int>"


def test_the_table_covers_every_kwarg_of_every_id():
    missing = {
        env_id: [kwarg for kwarg in _kwargs_of(env_id) if kwarg not in BAD]
        for env_id in cogym.env_ids()
    }
    assert not any(missing.values()), f"add bad values to BAD for {missing}"


@pytest.mark.filterwarnings("ignore:.*render_mode")  # gymnasium warns before the env refuses
@pytest.mark.parametrize(("env_id", "kwarg"), list(_id_kwarg_pairs()))
def test_every_bad_kwarg_is_refused_when_the_env_is_made(env_id, kwarg):
    for value in BAD[kwarg]:
        try:
            env = gym.make(env_id, **{kwarg: value})
        except CogymError as error:
            assert kwarg in str(error), f"{kwarg}={_shown(value)}: {error}"
        except Exception as error:
            pytest.fail(f"{kwarg}={_shown(value)} raised {type(error).__name__}: {error}")
        else:
            env.close()
            pytest.fail(f"{env_id} accepted {kwarg}={_shown(value)}")


@pytest.mark.parametrize("env_id", cogym.env_ids())
@pytest.mark.parametrize("value", [1, b"ansi", ["ansi"], 1.5])
def test_render_mode_that_is_not_a_string_is_refused(env_id, value):
    # gymnasium's make reads render_mode.endswith before the env sees it, so the env's
    # own check is exercised by making the class directly
    with pytest.raises(CogymError, match="render_mode"):
        _env_class(env_id)(render_mode=value)


@pytest.mark.parametrize("env_id", cogym.env_ids())
def test_every_default_passed_explicitly_still_works(env_id):
    parameters = inspect.signature(_env_class(env_id).__init__).parameters
    defaults = {name: param.default for name, param in parameters.items() if name != "self"}
    env = gym.make(env_id, **{**defaults, **gym.registry[env_id].kwargs})
    observation, info = env.reset(seed=0)
    assert env.observation_space.contains(observation)
    assert info["turn"] == 0
    env.close()


GOOD_EDGES = {
    "invalid_action_reward": [0, -1, 2.5],
    "dataset_seed": [0, -1, 2**63 - 1],
    "max_turns": [1, 2**31 - 1],
    "timeout_s": [0.001, 3600],
    "grade_timeout_s": [0.001, 3600],
    "tool_timeout_s": [0.001, 3600],
    "memory_mb": [64, max_memory_mb()],
    "tool_memory_mb": [64, max_memory_mb()],
    "pool_size": [1, 128],
    "sandbox_backend": ["auto", "bwrap", "docker", "subprocess"],
    "use_all_numbers": [True, False],
    "render_mode": [None, "ansi"],
    "seat": [0, 1, "random"],
    "max_tree_chars": [200, 60_000],
    "products": [10, 2000],
    "viewport": [(100, 100), (4096, 4096), [1280, 720]],
    "headless": [True, False],
}


@pytest.mark.parametrize("env_id", cogym.env_ids())
def test_values_at_the_edges_of_each_range_are_accepted(env_id):
    for kwarg in _kwargs_of(env_id):
        for value in GOOD_EDGES.get(kwarg, []):
            gym.make(env_id, **{kwarg: value}).close()


#: Bad values of each reset option, refused by every env that takes the option.
BAD_OPTIONS = {
    "index": [-1, 1.5, True, "0", None, 2**63, HUGE],
    "task": [3, "task", [1, 2], None],
    "numbers": [[], "1 2 3", [0, 1], [1.5], [True], None, [HUGE]],
    "target": ["24", 1.5, True, None, 10**10, HUGE],
    "cards": ["KK", "XY", "K", 5, (2, 2), [HUGE, 0]],
    "seat": [2, -1, "0", True, HUGE],
    "task_name": [1, True, "", "no-such-task", None, ["login"]],
}


@pytest.mark.parametrize("env_id", cogym.env_ids())
def test_bad_reset_options_raise_a_clear_error(env_id):
    env = cogym.make(env_id)
    for options in ([1, 2], "index", {"no_such_option": 1}):
        with pytest.raises(CogymError, match="option"):
            env.reset(seed=0, options=options)
    for key in sorted(_env_class(env_id).option_keys):
        for value in BAD_OPTIONS[key]:
            try:
                env.reset(seed=0, options={key: value})
            except CogymError:
                pass
            except Exception as error:
                pytest.fail(f"options {key}={_shown(value)} raised {type(error).__name__}: {error}")
            else:
                pytest.fail(f"{env_id} accepted options {key}={_shown(value)}")
    env.close()
