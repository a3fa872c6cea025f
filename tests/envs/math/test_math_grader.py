"""The math grader: answer extraction, math-verify equivalence, feedback, time limits,
and the lifecycle of its worker processes."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.core.verdict import Verdict
from cogym.envs.math.grader import (
    Grade,
    GraderClosedError,
    MathGrader,
    extract_final_answer,
    grade,
    is_equivalent,
    verify,
)


@pytest.fixture(scope="module")
def grader() -> Iterator[MathGrader]:
    """One grader, and so one set of warm workers, for the whole module."""
    with MathGrader() as shared:
        yield shared


def child_pids() -> set[int]:
    """The ids of this process's live (or unreaped) child processes, read from /proc."""
    me, children = os.getpid(), set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            children.add(int(entry.name))
    return children


# (answer, gold, equal?). Every verdict is what a math grader should say; rows marked
# "math-verify:" record a convention of math-verify that a naive grader might not share.
EQUIVALENCE_TABLE = [
    # fractions and decimals
    ("1/2", "0.5", True),
    ("0.5", "1/2", True),
    (r"\frac{3}{4}", "0.75", True),
    (r"\dfrac{1}{2}", "0.5", True),
    (r"\tfrac{1}{4}", "0.25", True),
    ("2/4", r"\frac{1}{2}", True),
    # math-verify: compares floats rounded to 6 places, so 0.333 is not 1/3 (correct), but
    # 0.3333333 would be
    ("1/3", "0.333", False),
    ("0.333", r"\frac{1}{3}", False),
    ("0.3333333", r"\frac{1}{3}", True),
    ("3.14", r"\pi", False),
    # LaTeX and plain notation
    (r"\sqrt{2}", "sqrt(2)", True),
    ("sqrt(2)", r"\sqrt{2}", True),
    (r"2\pi", "2*pi", True),
    ("2*pi", r"2\pi", True),
    ("pi/2", r"\frac{\pi}{2}", True),
    ("x^2+1", "1+x**2", True),
    (r"x^{2} + 1", "x^2+1", True),
    ("2^10", "1024", True),
    (r"\infty", "inf", True),
    (r"\sqrt{8}", r"2\sqrt{2}", True),
    (r"\frac{\sqrt{3}}{2}", r"\sin(\pi/3)", True),
    (r"\log_2 8", "3", True),
    # sets
    ("{1,2}", "{2,1}", True),
    (r"\{1, 2\}", "{1,2}", True),
    (r"\{3, 1, 2\}", r"\{1,2,3\}", True),
    ("{1,2}", "{1,3}", False),
    ("{1,2}", "{1,2,3}", False),
    # intervals
    ("(0,1]", "(0, 1]", True),
    ("[0,1)", "(0,1]", False),
    ("[0,1]", "[0, 1]", True),
    (r"(-\infty, 2)", r"(-\infty,2)", True),
    ("(0,1)", "[0,1]", False),
    # negative numbers
    ("-3", "- 3", True),
    ("-0.5", r"-\frac{1}{2}", True),
    (r"-\frac{1}{2}", r"\frac{-1}{2}", True),
    ("-3", "3", False),
    # units and degrees
    ("5 cm", "5", True),
    (r"5\text{ cm}", "5", True),
    (r"\text{5 meters}", "5", True),
    (r"5 \mathrm{m}", "5", True),
    (r"30^\circ", "30", True),
    (r"30^{\circ}", "30", True),
    ("6 cm", "5", False),
    # thousands separators
    ("1,000", "1000", True),
    ("1{,}000", "1000", True),
    ("1000", "1,000", True),
    ("1,000,000", "10^6", True),
    # percentages. math-verify: "50%" equals both 50 and 0.5, because golds are written
    # either way; defensible, since the question fixes which form it asked for
    (r"50\%", "50", True),
    ("50%", "0.5", True),
    (r"50\%", r"\frac{1}{2}", True),
    ("50%", "5", False),
    # equations: the value of the variable counts
    ("x = 2", "2", True),
    ("2", "x = 2", True),
    ("y=2", "2", True),
    ("x = 3", "2", False),
    # tuples
    ("(1, 2)", "(1,2)", True),
    ("(1,2)", "(2,1)", False),
    ("(1,2,3)", "(1, 2, 3)", True),
    ("(1,2,3)", "(1,2,4)", False),
    # plainly wrong
    ("2", "3", False),
    ("1/2", "1/3", False),
    (r"\sqrt{2}", r"\sqrt{3}", False),
    ("2x", "2y", False),
    ("0", "1", False),
]


def test_equivalence_table_is_large() -> None:
    assert len(EQUIVALENCE_TABLE) >= 60


@pytest.mark.parametrize(("answer", "gold", "expected"), EQUIVALENCE_TABLE)
def test_equivalence(grader: MathGrader, answer: str, gold: str, expected: bool) -> None:
    assert is_equivalent(answer, gold, grader=grader) is expected


# --- extraction ------------------------------------------------------------------------


def test_last_boxed_answer_wins() -> None:
    assert extract_final_answer(r"first \boxed{1}, then \boxed{2}") == "2"


def test_boxed_answer_keeps_nested_braces() -> None:
    assert extract_final_answer(r"so \boxed{\frac{1}{2}}.") == r"\frac{1}{2}"


def test_boxed_answer_beats_answer_tag() -> None:
    assert extract_final_answer(r"<answer>7</answer> or \boxed{8}") == "8"


def test_last_answer_tag_is_used_without_boxed() -> None:
    assert extract_final_answer("<answer>1</answer> <answer> 3/4 </answer>") == "3/4"


def test_no_final_answer_is_none() -> None:
    assert extract_final_answer("the answer is 4") is None


# --- grade -----------------------------------------------------------------------------


def test_correct_answer_grades_correct(grader: MathGrader) -> None:
    result = grade(r"The answer is \boxed{\frac{1}{2}}", "0.5", grader=grader)
    assert result == Grade("correct", r"\frac{1}{2}", result.message)
    assert result.correct


def test_wrong_answer_message_hides_gold(grader: MathGrader) -> None:
    result = grade(r"\boxed{17}", "42", grader=grader)
    assert result.kind == "wrong_answer"
    assert not result.correct
    assert "42" not in result.message


def test_missing_answer_grades_no_answer(grader: MathGrader) -> None:
    result = grade("I think it is 4.", "4", grader=grader)
    assert (result.kind, result.answer, result.correct) == ("no_answer", None, False)


def test_empty_box_grades_no_answer(grader: MathGrader) -> None:
    assert grade(r"\boxed{}", "4", grader=grader).kind == "no_answer"


def test_over_long_answer_is_unparsable_without_parsing() -> None:
    closed = MathGrader()
    closed.close()  # a grader with no worker to parse with: the verdict needs none
    result = grade("<answer>" + "1" * 1_000_000 + "</answer>", "1", grader=closed)
    assert result.kind == "unparsable"
    assert "1000" in result.message


def test_bad_timeout_is_rejected(grader: MathGrader) -> None:
    with pytest.raises(InvalidArgumentError, match="timeout_s"):
        grade(r"\boxed{1}", "1", grader=grader, timeout_s=0)


# --- time limits -----------------------------------------------------------------------

TIMEOUT_S = 1.0
PATHOLOGICAL_ANSWERS = {
    "nested_frac": "\\frac{" * 5000,
    "power_tower": "9^{9^{9^{9^{9}}}}",
    "open_parens": "(((" * 3000,
}


@pytest.mark.parametrize("answer", PATHOLOGICAL_ANSWERS.values(), ids=PATHOLOGICAL_ANSWERS.keys())
def test_pathological_answer_is_graded_in_time(grader: MathGrader, answer: str) -> None:
    # The limit is the worker's alarm and, past it, a kill: either way a verdict comes back
    # (pytest-timeout would end a hang); the grader stays usable after it.
    result = grade(
        f"<answer>{answer}", "1", grader=grader, timeout_s=TIMEOUT_S, max_answer_chars=100_000
    )
    assert result.kind in ("timeout", "unparsable", "wrong_answer")
    assert grade(r"\boxed{1}", "1", grader=grader).correct


def test_slow_comparison_grades_timeout(grader: MathGrader) -> None:
    result = grade(r"\boxed{9^{9^{9^{9^{9}}}}}", "1", grader=grader, timeout_s=TIMEOUT_S)
    assert result.kind == "timeout"
    assert "1 s" in result.message


def test_grading_from_worker_threads_works(grader: MathGrader) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda a: grade(rf"\boxed{{{a}}}", "0.5", grader=grader), ["1/2", "2/4", "3"])
        )
    assert [r.kind for r in results] == ["correct", "correct", "wrong_answer"]


def test_grading_from_worker_thread_keeps_time_limit(grader: MathGrader) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(
            grade, r"\boxed{9^{9^{9^{9^{9}}}}}", "1", grader=grader, timeout_s=TIMEOUT_S
        ).result()
    assert result.kind == "timeout"  # the limit held off the main thread too


# --- verify ----------------------------------------------------------------------------

TASK = {"question": "What is half of one?", "answer": "0.5"}


def test_verify_scores_a_correct_reply_one(grader: MathGrader) -> None:
    verdict = verify(r"so \boxed{\frac{1}{2}}", TASK, grader=grader)
    assert verdict == Verdict(1.0, True, "correct", "Correct.", True, r"\frac{1}{2}")


def test_verify_scores_a_wrong_reply_zero_and_keeps_it_valid(grader: MathGrader) -> None:
    verdict = verify(r"\boxed{3}", TASK, grader=grader)
    assert (verdict.score, verdict.success, verdict.feedback_kind) == (0.0, False, "wrong_answer")
    assert verdict.valid and verdict.answer == "3"
    assert "0.5" not in verdict.message


@pytest.mark.parametrize("reply", ["about a half", r"\boxed{}"])
def test_verify_marks_a_reply_without_an_answer_invalid(grader: MathGrader, reply: str) -> None:
    verdict = verify(reply, TASK, grader=grader)
    assert (verdict.score, verdict.success, verdict.valid) == (0.0, False, False)
    assert verdict.feedback_kind == "no_answer"


def test_verify_marks_an_unreadable_answer_invalid(grader: MathGrader) -> None:
    verdict = verify("<answer>" + "1" * 2000 + "</answer>", TASK, grader=grader)
    assert (verdict.feedback_kind, verdict.valid, verdict.score) == ("unparsable", False, 0.0)


def test_verify_needs_a_task_with_an_answer() -> None:
    with pytest.raises(InvalidArgumentError, match="'answer'"):
        verify(r"\boxed{1}", {"question": "?"})


# --- the worker processes --------------------------------------------------------------


def test_workers_start_only_when_an_answer_is_compared() -> None:
    before = child_pids()
    with MathGrader() as fresh:
        assert fresh.grade("no answer here", "1").kind == "no_answer"
        assert child_pids() == before
        assert fresh.is_equivalent("2/4", "0.5")
        assert child_pids() - before


def test_close_ends_the_workers() -> None:
    before = child_pids()
    fresh = MathGrader()
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert all(pool.map(lambda a: fresh.is_equivalent(a, "1"), ["1", "2/2", "3/3"]))
    assert child_pids() - before
    fresh.close()
    assert child_pids() - before == set()


def test_garbage_collection_ends_the_workers() -> None:
    before = child_pids()
    fresh = MathGrader()
    assert fresh.is_equivalent("1", "1")
    assert child_pids() - before
    del fresh
    gc.collect()
    assert child_pids() - before == set()


def test_a_closed_grader_raises() -> None:
    fresh = MathGrader()
    fresh.close()
    assert fresh.closed
    with pytest.raises(GraderClosedError, match="create a new one"):
        fresh.grade(r"\boxed{1}", "1")


def test_a_grader_serves_eight_threads_at_once() -> None:
    before = child_pids()
    pairs = [(rf"\boxed{{{a}}}", "0.5") for a in ["1/2", "2/4", "0.5", "3"] * 4]
    with MathGrader() as fresh, ThreadPoolExecutor(max_workers=8) as pool:
        kinds = list(pool.map(lambda pair: fresh.grade(*pair).kind, pairs))
    assert kinds == ["correct", "correct", "correct", "wrong_answer"] * 4
    assert child_pids() - before == set()


def test_grade_without_a_grader_leaves_no_process() -> None:
    before = child_pids()
    assert grade(r"\boxed{2/4}", "0.5").correct
    assert not is_equivalent("1", "2")
    assert verify(r"\boxed{1}", {"answer": "1"}).success
    assert child_pids() - before == set()


@pytest.mark.parametrize("max_idle", [-1, 65, 10**6, 1.5, True])
def test_a_grader_refuses_an_idle_pool_out_of_range(max_idle) -> None:
    with pytest.raises(InvalidArgumentError, match="max_idle"):
        MathGrader(max_idle=max_idle)
