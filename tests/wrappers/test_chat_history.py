import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.wrappers import ChatHistory

PUZZLE = {"numbers": [3, 7, 8, 25], "target": 24}


@pytest.fixture
def countdown(make_env):
    return make_env("cogym/Countdown-v0")


def test_history_adds_the_action_verbatim_and_the_reply_each_turn(countdown):
    env = ChatHistory(countdown)
    first, _ = env.reset(options=PUZZLE)
    expected = [{"role": "user", "content": first[0]["content"]}]
    assert list(first) == expected and "make 24" in first[0]["content"]
    for action in ("Let me see.\n<answer>3+7</answer>", "<answer>3*3</answer>", "  8*3  "):
        history, _, terminated, _, _ = env.step(action)
        expected += [{"role": "assistant", "content": action}, history[-1]]
        assert list(history) == expected
    assert history[-1]["role"] == "user"
    assert history[2]["content"].startswith("Your expression 3+7 equals 10")
    assert history[4]["content"].startswith("You used 3 twice")
    assert history[6]["content"] == "Correct! 8*3 = 24."
    assert terminated and len(history) == 7


def test_reset_starts_a_new_conversation(countdown):
    env = ChatHistory(countdown)
    env.reset(options=PUZZLE)
    env.step("<answer>3+7</answer>")
    history, _ = env.reset(options={"numbers": [1, 2, 3], "target": 6})
    assert len(history) == 1 and "[1, 2, 3]" in history[0]["content"]
    assert env.messages == list(history)


def test_system_prompt_is_the_first_message(countdown):
    env = ChatHistory(countdown, system_prompt="You are a careful solver.")
    history, _ = env.reset(options=PUZZLE)
    assert [message["role"] for message in history] == ["system", "user"]
    assert history[0]["content"] == "You are a careful solver."
    history, *_ = env.step("<answer>3+7</answer>")
    assert [message["role"] for message in history] == ["system", "user", "assistant", "user"]


def test_history_of_ascii_text_is_in_the_observation_space(countdown):
    env = ChatHistory(countdown, system_prompt="Be brief.")
    history, _ = env.reset(options=PUZZLE)
    assert env.observation_space.contains(history)
    history, *_ = env.step("<answer>3+7</answer>")
    assert env.observation_space.contains(history)


def test_non_ascii_action_is_kept_verbatim_outside_the_space(countdown):
    env = ChatHistory(countdown)
    env.reset(options=PUZZLE)
    history, *_ = env.step("<answer>8×3</answer>")
    assert history[1]["content"] == "<answer>8×3</answer>"
    assert not env.observation_space.contains(history)


def test_non_str_action_is_stored_as_repr_and_reaches_the_env_unchanged(countdown):
    env = ChatHistory(countdown)
    env.reset(options=PUZZLE)
    history, reward, *_, info = env.step(24)
    assert history[1] == {"role": "assistant", "content": "24"}
    assert info["feedback_kind"] == "not_text" and reward == pytest.approx(-0.1)


def test_messages_is_a_copy(countdown):
    env = ChatHistory(countdown)
    env.reset(options=PUZZLE)
    messages = env.messages
    messages[0]["content"] = "changed"
    messages.append({"role": "user", "content": "extra"})
    assert len(env.messages) == 1 and env.messages[0]["content"] != "changed"


def test_system_prompt_must_be_text(countdown):
    with pytest.raises(InvalidArgumentError, match="system_prompt"):
        ChatHistory(countdown, system_prompt=["not", "text"])
