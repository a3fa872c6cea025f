from cogym.agents.prompting import BASE_SYSTEM_PROMPT, default_system_prompt, strip_think


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
