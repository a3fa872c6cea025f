from cogym.agents.prompting import (
    BASE_SYSTEM_PROMPT,
    default_system_prompt,
    strip_think,
    truncate_history,
)


def test_default_system_prompt_names_the_tasks_answer_format():
    assert "<answer></answer>" in default_system_prompt("reply like <answer>X</answer>")
    assert "\\boxed{}" in default_system_prompt("put it in \\boxed{}")
    assert default_system_prompt("just play") == BASE_SYSTEM_PROMPT


def test_strip_think_removes_closed_blocks_and_a_dangling_end():
    assert strip_think("<think>hmm\nlong</think>\n<answer>3</answer>") == "<answer>3</answer>"
    assert strip_think("a <THINK>x</THINK> b") == "a b"
    assert strip_think("reasoning only in the prompt's block</think> 42") == "42"


def test_strip_think_keeps_an_unclosed_block():
    assert strip_think("<think>never closed 42") == "<think>never closed 42"


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
