import pytest

from cogym.core.errors import InvalidArgumentError, ResetNeeded
from cogym.wrappers import Transcript, truncate_history


def test_start_opens_with_the_system_prompt_and_the_task():
    transcript = Transcript("Be brief.")
    transcript.start("Make 24.")
    assert transcript.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Make 24."},
    ]


def test_each_turn_adds_the_reply_then_the_envs_answer():
    transcript = Transcript()
    transcript.start("Make 24.")
    transcript.add_reply("<answer>3+7</answer>")
    transcript.add_observation("That is 10.")
    assert [m["role"] for m in transcript.messages] == ["user", "assistant", "user"]
    assert transcript.messages[1:] == [
        {"role": "assistant", "content": "<answer>3+7</answer>"},
        {"role": "user", "content": "That is 10."},
    ]
    assert len(transcript) == 3


def test_a_function_system_prompt_is_given_the_first_observation():
    transcript = Transcript(lambda task: f"Solve: {task[:4]}")
    transcript.start("Make 24.")
    assert transcript.messages[0] == {"role": "system", "content": "Solve: Make"}


def test_start_forgets_the_last_episode():
    transcript = Transcript("Be brief.")
    transcript.start("first")
    transcript.add_reply("a")
    transcript.start("second")
    assert [m["content"] for m in transcript.messages] == ["Be brief.", "second"]


def test_a_reply_that_is_not_text_is_written_as_its_repr():
    transcript = Transcript()
    transcript.start("Pick a number.")
    transcript.add_reply(24)
    assert transcript.messages[-1] == {"role": "assistant", "content": "24"}


def test_messages_is_a_copy():
    transcript = Transcript()
    transcript.start("task")
    messages = transcript.messages
    messages[0]["content"] = "changed"
    messages.append({"role": "user", "content": "extra"})
    assert transcript.messages == [{"role": "user", "content": "task"}]


@pytest.mark.parametrize("method", ["add_reply", "add_observation"])
def test_adding_before_start_is_refused(method):
    with pytest.raises(ResetNeeded, match=r"call start\(first_observation\)"):
        getattr(Transcript(), method)("too early")


def test_system_prompt_must_be_text_a_function_or_none():
    with pytest.raises(InvalidArgumentError, match="system_prompt"):
        Transcript(["not", "text"])


def _count(conversation):
    return sum(len(message["content"]) for message in conversation)


def _conversation(turns):
    conversation = [{"role": "system", "content": "S" * 10}, {"role": "user", "content": "T" * 10}]
    for i in range(turns):
        conversation += [
            {"role": "assistant", "content": f"a{i}" * 5},
            {"role": "user", "content": f"u{i}" * 5},
        ]
    return conversation


def test_history_within_budget_is_untouched():
    conversation = _conversation(2)
    assert truncate_history(conversation, 10_000, _count) is conversation


def test_truncation_keeps_system_task_and_latest_and_fits_the_budget():
    conversation = _conversation(6)
    kept = truncate_history(conversation, 60, _count)
    assert _count(kept) <= 60
    assert kept[:2] == conversation[:2] and kept[-1] == conversation[-1]
    assert [m["role"] for m in kept[2:]] == ["assistant", "user"] * ((len(kept) - 2) // 2)
    assert kept[2] == conversation[len(conversation) - (len(kept) - 2)]  # oldest dropped first


def test_truncation_never_drops_the_task_or_the_latest_reply():
    conversation = _conversation(3)
    kept = truncate_history(conversation, 1, _count)
    assert kept == conversation[:2] + conversation[-2:]


def test_fit_applies_the_truncation_rule_and_none_keeps_everything():
    conversation = _conversation(6)
    transcript = Transcript(conversation[0]["content"])
    transcript.start(conversation[1]["content"])
    for reply, answer in zip(conversation[2::2], conversation[3::2], strict=True):
        transcript.add_reply(reply["content"])
        transcript.add_observation(answer["content"])
    assert transcript.messages == conversation
    assert transcript.fit(60, _count) == truncate_history(conversation, 60, _count)
    assert transcript.fit(None, _count) == conversation
