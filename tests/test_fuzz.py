"""Random and adversarial actions never crash an episode, and every episode ends."""

import random
import string

import pytest

import cogym
from cogym.envs.countdown import CountdownEnv

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


def _random_action(rng: random.Random) -> str:
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


@pytest.mark.parametrize(
    "env_id", ["cogym/Countdown-v0", "cogym/Countdown-Easy-v0", "cogym/Countdown-Hard-v0"]
)
def test_ten_thousand_random_and_adversarial_actions_never_crash(env_id):
    rng = random.Random(env_id)
    env = cogym.make(env_id)
    steps, episodes, seed = 0, 0, 0
    actions = ADVERSARIAL * 3 + [_random_action(rng) for _ in range(3400)]
    rng.shuffle(actions)
    observation, info = env.reset(seed=seed)
    for action in actions:
        observation, reward, terminated, truncated, info = env.step(action)
        steps += 1
        assert env.observation_space.contains(observation)
        assert isinstance(reward, float) and info["turn"] <= env.unwrapped.max_turns
        if terminated or truncated:
            episodes += 1
            seed += 1
            observation, info = env.reset(seed=seed)
    assert steps >= 3333 and episodes >= steps // CountdownEnv().max_turns
    env.close()


CODE_ACTIONS = [
    "<run>",
    "<submit>",
    "</run>",
    "<run></run>",
    "<submit>\n</submit>",
    "<run>```python\n```</run>",
    "<run>print('x' * 10**6)</run>",
    "<run>import sys; sys.exit(3)</run>",
    "<run>1/0</run>",
    "<submit>def f(:</submit>",
    "<submit>import os; os._exit(0)</submit>",
    "<run>print('\\x00\\x1b[31m\\u2603')</run>",
    "<RUN>print(1)</RUN>",
    "<run>" + "(" * 500 + "</run>",
    "<submit>" + "x = 1\n" * 3000 + "</submit>",
    "<run>input()</run>",
]


@pytest.mark.parametrize("env_id", ["cogym/Code-v0", "cogym/Code-IO-v0"])
def test_random_and_adversarial_code_actions_never_crash(env_id):
    from cogym.sandbox import available_backends

    if not set(available_backends()) & {"bwrap", "docker"}:
        pytest.skip("no isolating sandbox: apt-get install bubblewrap")
    rng = random.Random(env_id)
    env = cogym.make(env_id, timeout_s=2.0, max_submissions=3)
    actions = CODE_ACTIONS + [_random_action(rng) for _ in range(150)]
    rng.shuffle(actions)
    env.reset(seed=0)
    ended = 0
    for action in actions:
        observation, reward, terminated, truncated, info = env.step(action)
        assert env.observation_space.contains(observation) and isinstance(reward, float)
        if terminated or truncated:
            ended += 1
            env.reset(seed=ended)
    assert ended >= len(actions) // 8
    env.close()
