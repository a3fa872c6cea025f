from fractions import Fraction

import pytest

from cogym.core.errors import InvalidTaskError
from cogym.envs.countdown.verifier import (
    KINDS,
    MAX_EXPRESSION_LENGTH,
    check_expression,
    extract_expression,
    normalize_expression,
    score_answer,
    verify,
)

NUMBERS = [3, 3, 8, 8]
TARGET = 24


@pytest.mark.parametrize(
    "text",
    [
        "<answer>8/(3-8/3)</answer>",
        "Thinking...\n<answer>3*8</answer>",
        "<answer> 3 * 8 ",  # generation stopped at the closing tag
        "so the result is \\boxed{3 \\times 8}",
        "Let me try 3+8 first. That is too small.\n\n3*8",
        "3 × 8",
        "8 · 3",
        "8 ÷ (3 − 8 ÷ 3)",
        "8 / (3 – 8/3)",
        "$3 \\cdot 8$",
        "\\(\\left(8\\right) \\div \\left(3 - 8 \\div 3\\right)\\)",
        "$$8 \\div (3 - 8 \\div 3)$$",
        "Answer: 3*8",
        "Final answer: 3*8",
        "**Expression:** `3*8`",
        "3*8 = 24",
        "3*8 = 25",  # the claimed value is ignored; the value reached counts
        "3*8.",
        "((3)*(8))",
        "8/[3-{8/3}]",
        "  3   *   8  ",
        "```\n3*8\n```",
        "8/(3-8/3)",
    ],
)
def test_accepts_a_right_answer_in_many_styles(text):
    verdict = verify(text, NUMBERS, TARGET)
    assert verdict.kind == "correct", (text, verdict)
    assert verdict.correct and verdict.valid
    assert verdict.value == 24


def test_intermediate_fractions_are_exact():
    verdict = check_expression("8/(3-8/3)", NUMBERS, TARGET, use_all=True)
    assert verdict.correct
    assert verdict.used == (8, 3, 8, 3)


def test_wrong_answer_message_gives_the_value_reached():
    verdict = check_expression("(3+3)*8", NUMBERS, TARGET)
    assert verdict.kind == "wrong_answer" and verdict.valid and not verdict.correct
    assert verdict.value == 48
    assert "(3+3)*8 equals 48, not 24" in verdict.message


def test_wrong_answer_shows_a_fraction_as_a_fraction():
    verdict = check_expression("8/3+3", NUMBERS, TARGET)
    assert verdict.value == Fraction(17, 3)
    assert "17/3" in verdict.message


def test_reusing_a_number_is_rejected_and_named():
    verdict = check_expression("8+8+8", NUMBERS, TARGET)
    assert verdict.kind == "reused_number" and not verdict.valid
    assert "8 3 times" in verdict.message and "twice" in verdict.message


def test_number_not_given_is_rejected_and_named():
    verdict = check_expression("4*6", NUMBERS, TARGET)
    assert verdict.kind == "illegal_number"
    assert "4 is not one of the given numbers" in verdict.message
    assert "3, 3, 8 and 8" in verdict.message


def test_division_by_zero_is_reported():
    verdict = check_expression("8/(3-3)", NUMBERS, TARGET)
    assert verdict.kind == "division_by_zero"
    assert "divides by zero" in verdict.message


@pytest.mark.parametrize(
    "expression, operator", [("3**3", "**"), ("8//3", "//"), ("8%3", "%"), ("3^3", "^")]
)
def test_other_operators_are_illegal_and_named(expression, operator):
    verdict = check_expression(expression, NUMBERS, TARGET)
    assert verdict.kind == "illegal_operator"
    assert f"'{operator}' is not allowed" in verdict.message


@pytest.mark.parametrize("expression", ["-3+8*3", "3*8+(-3)+3", "+3*8"])
def test_unary_signs_are_illegal_and_point_to_subtraction(expression):
    verdict = check_expression(expression, NUMBERS, TARGET)
    assert verdict.kind == "illegal_operator"
    assert "subtraction" in verdict.message


@pytest.mark.parametrize(
    "expression",
    [
        "abs(3)*8",
        "x",
        "(3).real",
        "__import__('os')",
        "0x18",
        "1_0",
        "3e1",
        "3.0*8",
        "3*8,",
        "3 8",
        "()",
        "((3*8)",
        "3*8=24=24",
        "08*3",
    ],
)
def test_anything_but_plain_arithmetic_is_a_syntax_error(expression):
    verdict = check_expression(expression, NUMBERS, TARGET)
    assert verdict.kind == "syntax_error", verdict
    assert "+ - * /" in verdict.message


def test_implicit_multiplication_is_not_accepted():
    assert check_expression("3(8)", NUMBERS, TARGET).kind == "syntax_error"
    assert verify("3 x 8", NUMBERS, TARGET).kind == "syntax_error"


@pytest.mark.parametrize("text", ["", "   \n\n  ", "<answer></answer>"])
def test_empty_answer_is_no_answer(text):
    verdict = verify(text, NUMBERS, TARGET)
    assert verdict.kind == "no_answer" and not verdict.valid


def test_huge_input_is_too_long_without_being_parsed():
    text = "(" * 50_000 + "3" + ")" * 50_000  # parsing it would overflow the stack
    verdict = verify(text, NUMBERS, TARGET)
    assert verdict.kind == "too_long"
    assert str(MAX_EXPRESSION_LENGTH) in verdict.message


def test_ten_thousand_nested_parentheses_do_not_crash():
    deep = "(" * 10_000 + "3" + ")" * 10_000
    assert verify(deep, NUMBERS, TARGET).kind == "too_long"


def test_nesting_deeper_than_the_parser_allows_is_a_syntax_error():
    deep = "(" * 400 + "3" + ")" * 400  # under the length limit, over the parser's
    assert len(deep) <= MAX_EXPRESSION_LENGTH
    assert check_expression(deep, NUMBERS, TARGET).kind == "syntax_error"


def test_long_chains_under_the_limit_are_checked_without_recursion_errors():
    chain = "+".join(["3"] * 400)
    assert len(chain) <= MAX_EXPRESSION_LENGTH
    verdict = check_expression(chain, NUMBERS, TARGET)
    assert verdict.kind == "reused_number"


def test_use_all_names_the_unused_numbers():
    verdict = check_expression("3*8", NUMBERS, TARGET, use_all=True)
    assert verdict.kind == "unused_numbers"
    assert "did not use 3 and 8" in verdict.message


def test_without_use_all_numbers_may_be_left_out():
    assert check_expression("3*8", NUMBERS, TARGET).correct


def test_extract_prefers_the_last_answer_tag_then_boxed_then_last_line():
    assert extract_expression("<answer>1</answer> \\boxed{2}\n<answer>3</answer>\n4") == "3"
    assert extract_expression("\\boxed{1} and \\boxed{2}\n3") == "2"
    assert extract_expression("prose\n3*8\n\n") == "3*8"
    assert extract_expression("  \n ") is None


def test_normalize_strips_a_trailing_value_and_rewrites_symbols():
    assert normalize_expression("$[8 \\times 3] = 24$.") == "(8 * 3)"
    assert normalize_expression("Answer: 8 ÷ (3 − 8/3) = 24") == "8 / (3 - 8/3)"


def test_every_verdict_kind_is_declared():
    kinds = {
        check_expression(expression, NUMBERS, TARGET, use_all=True).kind
        for expression in [
            "8/(3-8/3)",
            "3*8+3-8",
            "",
            "x",
            "3**8",
            "5",
            "3*3*3",
            "3*8",
            "8/(3-3)+8",
        ]
    }
    kinds.add(check_expression("3" * 2000, NUMBERS, TARGET).kind)
    assert kinds == set(KINDS)


def test_score_answer_is_one_for_correct_and_zero_otherwise():
    task = {"numbers": NUMBERS, "target": TARGET}
    assert score_answer("<answer>3*8</answer>", task) == 1.0
    assert score_answer("<answer>3+8</answer>", task) == 0.0
    assert score_answer("<answer>3*8</answer>", task, use_all=True) == 0.0
    assert score_answer(None, task) == 0.0


def test_score_answer_needs_numbers_and_target():
    with pytest.raises(InvalidTaskError, match="numbers"):
        score_answer("3*8", {"target": 24})
