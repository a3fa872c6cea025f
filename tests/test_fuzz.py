"""Random and adversarial actions never crash an episode, and every episode ends."""

import random
import string

import pytest

import cogym
from cogym.envs.countdown import CountdownEnv
from tests.contract import ADVERSARIAL, fuzz_env, play_through, random_action
from tests.marks import needs_sandbox


@pytest.mark.parametrize("env_id", cogym.env_ids())
def test_every_registered_id_survives_adversarial_and_random_text(env_id):
    fuzz_env(env_id)


@pytest.mark.parametrize(
    "env_id", ["cogym/Countdown-v0", "cogym/Countdown-Easy-v0", "cogym/Countdown-Hard-v0"]
)
def test_ten_thousand_random_and_adversarial_actions_never_crash(env_id):
    rng = random.Random(env_id)
    env = cogym.make(env_id)
    actions = ADVERSARIAL * 3 + [random_action(rng) for _ in range(3400)]
    rng.shuffle(actions)
    episodes = play_through(env, actions)
    assert len(actions) >= 3333 and episodes >= len(actions) // CountdownEnv().max_turns
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


@needs_sandbox
@pytest.mark.parametrize("env_id", ["cogym/Code-v0", "cogym/Code-IO-v0"])
def test_random_and_adversarial_code_actions_never_crash(env_id):
    rng = random.Random(env_id)
    env = cogym.make(env_id, timeout_s=2.0, max_submissions=3)
    actions = CODE_ACTIONS + [random_action(rng) for _ in range(150)]
    rng.shuffle(actions)
    ended = play_through(env, actions)
    assert ended >= len(actions) // 8
    env.close()


MATH_ACTIONS = [
    "\\boxed{",
    "\\boxed{}",
    "\\boxed{\\frac{",
    "\\boxed{" + "\\frac{1}{" * 300 + "}",
    "\\boxed{" + "9" * 5000 + "}",
    "\\boxed{9^{9^{9^{9}}}}",
    "\\boxed{\\{1,2}",
    "\\boxed{x = }",
    "\\boxed{\\sqrt{-1}}",
    "\\boxed{1/0}",
    "\\boxed{\\infty}",
    "\\boxed{nan}",
    "<answer></answer>",
    "<python>",
    "<python></python>",
    "<python>print(1)",
    "<python>import os; os._exit(1)</python>",
    "\\boxed{\\text{" + "a" * 900 + "}}",
    "\\boxed{\\begin{pmatrix}1\\end{pmatrix}}",
]


def _random_math_action(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        body = "".join(
            rng.choice("0123456789+-*/^{}()\\frac.,x= ") for _ in range(rng.randrange(25))
        )
        return f"\\boxed{{{body}}}"
    if kind == 1:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(50)))
    return random_action(rng)


@pytest.mark.parametrize(
    ("env_id", "count"),
    [
        ("cogym/Math-v0", 4000),
        ("cogym/Math-Retry-v0", 4000),
        pytest.param("cogym/Math-Python-v0", 2000, marks=needs_sandbox),
    ],
)
def test_ten_thousand_fuzzed_math_actions_never_crash(env_id, count):
    rng = random.Random(env_id)
    env = cogym.make(env_id, grade_timeout_s=1.0)
    actions = MATH_ACTIONS * 3 + [
        _random_math_action(rng) for _ in range(count - 3 * len(MATH_ACTIONS))
    ]
    rng.shuffle(actions)
    ended = play_through(env, actions)
    assert ended >= len(actions) // env.unwrapped.max_turns // 2
    env.close()


POKER_ACTIONS = ["[check]", "[bet]", "[call]", "[fold]", "[ BET ]", "[raise]", "[]", "bet."]


@pytest.mark.parametrize("env_id", ["cogym/KuhnPoker-v0", "cogym/KuhnPoker-Match-v0"])
def test_ten_thousand_fuzzed_poker_actions_never_crash_and_hands_stay_zero_sum(env_id):
    rng = random.Random(env_id)
    env = cogym.make(env_id, opponent="random")
    actions = ADVERSARIAL + [
        rng.choice(POKER_ACTIONS) if rng.random() < 0.6 else random_action(rng)
        for _ in range(10_000)
    ]
    rng.shuffle(actions)
    env.reset(seed=0)
    ended = 0
    for action in actions:
        observation, reward, terminated, truncated, info = env.step(action)
        assert env.observation_space.contains(observation)
        if "hand_result" in info:
            assert sum(info["hand_result"]["returns"]) == 0
        if terminated or truncated:
            ended += 1
            env.reset(seed=ended)
    assert ended > 100
