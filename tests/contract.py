"""The env contract as functions, so that every registered id, and a family defined
inside a test, is checked by the same code."""

import random
import string
import warnings

from gymnasium.utils.env_checker import check_env

import cogym

ADVERSARIAL = [
    "",
    " ",
    "\n\n\n",
    "\x00\x01\x02",
    "<answer>",
    "</answer>",
    "<answer></answer>",
    "<answer><answer>1</answer>",
    r"\boxed{",
    r"\boxed{}",
    r"\boxed{{{{",
    "(" * 5000,
    ")" * 5000,
    "1" * 5000,
    "9" * 999,
    "1+" * 3000 + "1",
    "-" * 1000,
    "((((1))))" * 100,
    "__import__('os').system('echo pwned')",
    "exec('1')",
    "lambda: 1",
    "[1, 2]",
    "{1: 2}",
    "1 if 1 else 2",
    "x := 3",
    "1; 2",
    "1\n2\n3",
    "2**999999",
    "9**9**9",
    "10 ** 10 ** 10",
    "1e308 * 1e308",
    "0x10",
    "1_000",
    "1.5",
    "1j",
    "'24'",
    '"24"',
    "not 1",
    "1 < 2",
    "1 @ 2",
    "1 % 2",
    "1 // 2",
    "1 << 2",
    "~1",
    "+1",
    "-1",
    "1/0",
    "0/0",
    "(1)/(1-1)",
    "∞",
    "２４",
    "٣",
    "Ⅻ",
    "🙂" * 100,
    "\ud800",
    "<answer>" + "x" * 20000 + "</answer>",
    "a" * 16385,
    "Answer: = 24",
    "= 24",
    "=",
    "answer:",
    "$$",
    "\\(\\)",
    "\\left(\\right)",
]


def check_env_contract(env_id: str) -> None:
    """gymnasium's env checker passes for ``env_id``, with warnings as errors."""
    env = cogym.make(env_id).unwrapped
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_env(env)
    finally:
        env.close()


def random_action(rng: random.Random) -> str:
    """Random text: printable, arithmetic, tagged, or any code points."""
    kind = rng.randrange(4)
    if kind == 0:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(60)))
    if kind == 1:
        return "".join(rng.choice("0123456789+-*/() ") for _ in range(rng.randrange(40)))
    if kind == 2:
        return (
            "<answer>"
            + "".join(rng.choice("123+-*/()") for _ in range(rng.randrange(20)))
            + "</answer>"
        )
    return "".join(chr(rng.randrange(1, 0x2FFFF)) for _ in range(rng.randrange(30)))


def play_through(env, actions) -> int:
    """Step ``env`` with every action, resetting when an episode ends; each observation
    must be in the space and each reward a float. Returns how many episodes ended."""
    episodes = 0
    env.reset(seed=episodes)
    for action in actions:
        observation, reward, terminated, truncated, info = env.step(action)
        assert env.observation_space.contains(observation)
        assert isinstance(reward, float) and info["turn"] <= env.unwrapped.max_turns
        if terminated or truncated:
            episodes += 1
            env.reset(seed=episodes)
    return episodes


def fuzz_env(env_id: str, count: int = 200, **kwargs) -> int:
    """Play the adversarial actions and ``count`` random ones in ``env_id``'s text mode;
    every episode must end within its turn limit. Returns how many episodes ended."""
    rng = random.Random(env_id)
    env = cogym.make(env_id, **kwargs)
    try:
        actions = ADVERSARIAL + [random_action(rng) for _ in range(count)]
        rng.shuffle(actions)
        episodes = play_through(env, actions)
        assert episodes >= len(actions) // env.unwrapped.max_turns
        return episodes
    finally:
        env.close()
