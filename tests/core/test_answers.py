import time

import pytest

from cogym.core.answers import (
    Extraction,
    extract_answer,
    extract_boxed,
    extract_tag,
    last_nonempty_line,
)
from cogym.core.errors import InvalidArgumentError


def test_tag_returns_last_tag_content_stripped():
    assert extract_tag("<answer> 1 </answer> then <answer>\n2\n</answer>") == "2"


def test_tag_matches_case_insensitively():
    assert extract_tag("<ANSWER>7</Answer>") == "7"


def test_unclosed_final_tag_runs_to_end():
    # generation that stopped at the "</answer>" stop string
    assert extract_tag("think...<answer>(1+2)*8") == "(1+2)*8"


def test_tag_absent_is_none():
    assert extract_tag("no tags here") is None


def test_custom_tag_name():
    assert extract_tag("<run>print(1)</run>", tag="run") == "print(1)"


def test_boxed_handles_nested_braces():
    assert extract_boxed(r"so \boxed{\frac{1}{2}} is it") == r"\frac{1}{2}"


def test_boxed_takes_the_last_box():
    assert extract_boxed(r"\boxed{1} no wait \boxed{2}") == "2"


def test_boxed_skips_an_unclosed_last_box():
    assert extract_boxed(r"\boxed{1} and \boxed{2") == "1"


def test_fbox_counts_as_a_box():
    assert extract_boxed(r"\fbox{42}") == "42"


def test_boxed_absent_is_none():
    assert extract_boxed("42") is None


def test_boxed_is_linear_on_adversarial_input():
    start = time.perf_counter()
    assert extract_boxed(r"\boxed{" * 20_000) is None
    assert time.perf_counter() - start < 5.0  # ~5 ms; a quadratic scan takes minutes


def test_last_nonempty_line():
    assert last_nonempty_line("reasoning\n\n  42  \n   \n") == "42"
    assert last_nonempty_line(" \n\t") is None


def test_extract_answer_prefers_formats_in_order():
    text = "<answer>3</answer>\n\\boxed{2}\n1"
    assert extract_answer(text) == Extraction("3", "tag")
    assert extract_answer(text, formats=("boxed", "tag")) == Extraction("2", "boxed")
    assert extract_answer("a\nb", formats=("tag", "last_line")) == Extraction("b", "last_line")


def test_extract_answer_none_when_nothing_matches():
    assert extract_answer("", formats=("tag", "boxed", "last_line")) is None


def test_extract_answer_rejects_unknown_format():
    with pytest.raises(InvalidArgumentError, match="unknown answer format"):
        extract_answer("x", formats=("json",))
