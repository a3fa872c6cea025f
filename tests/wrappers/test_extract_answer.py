from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.core.text_env import Outcome, TextEnv
from cogym.wrappers import ExtractAnswer

PUZZLE = {"numbers": [3, 7, 8, 25], "target": 24}


class RockPaperScissors(TextEnv):
    """One throw against an opponent who always plays rock; the moves are the legal actions."""

    moves: ClassVar[tuple[str, ...]] = ("rock", "paper", "scissors")

    def __init__(self, *, max_turns: int = 3) -> None:
        super().__init__(max_turns=max_turns)

    def _start_episode(self, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        return "Your opponent plays rock. Answer rock, paper or scissors in <answer> tags.", {}

    def _apply_action(self, action: str) -> Outcome:
        if action not in self.moves:
            return Outcome(
                f"Invalid move {action!r}: play rock, paper or scissors.", "illegal", valid=False
            )
        won = action == "paper"
        return Outcome(
            "You win." if won else "You do not win.",
            "win" if won else "no_win",
            reward=1.0 if won else 0.0,
            terminated=won,
            success=won,
        )

    def legal_actions(self) -> list[str]:
        return list(self.moves)


class TaggedMoves(RockPaperScissors):
    """The same game, read from ``<move>`` tags only."""

    answer_formats = ("tag",)
    answer_tag = "move"


@pytest.fixture
def countdown(make_env):
    env = ExtractAnswer(make_env("cogym/Countdown-v0"))
    env.reset(options=PUZZLE)
    return env


def rps(**kwargs: Any) -> ExtractAnswer:
    env = ExtractAnswer(RockPaperScissors(), **kwargs)
    env.reset()
    return env


def test_sends_the_tag_content(countdown):
    *_, info = countdown.step("8 times 3 is 24.\n<answer> 8*3 </answer>\nDone.")
    assert info["extracted_action"] == "8*3" and info["success"]


def test_sends_the_boxed_content_when_there_is_no_tag(countdown):
    *_, info = countdown.step("So it is \\boxed{8*3}.\nI am confident.")
    assert info["extracted_action"] == "8*3" and info["success"]


def test_sends_the_last_line_when_there_is_no_tag_or_box(countdown):
    *_, info = countdown.step("I try 3+7 first.\n\n8*3\n   ")
    assert info["extracted_action"] == "8*3" and info["success"]


def test_tries_the_formats_in_the_order_given(make_env):
    env = ExtractAnswer(make_env("cogym/Countdown-v0"), formats=("last_line", "tag"))
    env.reset(options=PUZZLE)
    *_, info = env.step("<answer>8*3</answer>\n3+7")
    assert info["extracted_action"] == "3+7" and info["value"] == "10"


def test_uses_the_envs_declared_formats_and_tag():
    env = ExtractAnswer(TaggedMoves())
    assert env.formats == ("tag",) and env.tag == "move"
    env.reset()
    _, reward, *_, info = env.step("<answer>rock</answer> no, <move>paper</move>")
    assert info["extracted_action"] == "paper" and reward == 1.0


def test_tag_can_be_overridden():
    env = rps(formats=("tag",), tag="move")
    *_, info = env.step("<answer>rock</answer> <move>paper</move>")
    assert info["extracted_action"] == "paper"


def test_sends_the_raw_text_when_nothing_can_be_extracted():
    env = rps(formats=("tag", "boxed"))
    observation, *_, info = env.step("I pick paper")
    assert info["extracted_action"] == "I pick paper"
    assert observation.startswith("Invalid move 'I pick paper'")


@pytest.mark.parametrize(
    "reply",
    ["<answer> Paper. </answer>", "<answer>`paper`</answer>", '<answer>"PAPER".</answer>', "paper"],
)
def test_matches_a_legal_action_ignoring_case_quotes_and_trailing_period(reply):
    _, reward, terminated, _, info = rps().step(reply)
    assert info["extracted_action"] == "paper"
    assert reward == 1.0 and terminated and info["action_valid"]


def test_answer_matching_no_legal_action_gets_the_envs_invalid_feedback():
    observation, reward, terminated, _, info = rps().step("<answer> Lizard </answer>")
    assert info["extracted_action"] == "Lizard"
    assert observation.startswith("Invalid move 'Lizard'")
    assert not info["action_valid"] and reward == pytest.approx(-0.1) and not terminated


def test_legal_actions_are_taken_from_the_last_info():
    env = rps()
    env.step("<answer>Rock</answer>")
    *_, info = env.step("<answer>Scissors.</answer>")
    assert info["extracted_action"] == "scissors" and info["legal_actions"] == list(
        RockPaperScissors.moves
    )


def test_info_gains_the_raw_and_the_extracted_action(countdown):
    reply = "Hmm.\n<answer>3+7</answer>"
    *_, info = countdown.step(reply)
    assert info["raw_action"] == reply and info["extracted_action"] == "3+7"
    assert info["expression"] == "3+7" and info["value"] == "10"


def test_non_str_action_passes_through_unchanged(countdown):
    _, reward, *_, info = countdown.step(24)
    assert info["raw_action"] == 24 and info["extracted_action"] == 24
    assert info["feedback_kind"] == "not_text" and reward == pytest.approx(-0.1)


def test_unknown_format_is_refused():
    with pytest.raises(InvalidArgumentError, match="unknown answer format"):
        ExtractAnswer(RockPaperScissors(), formats=("json",))
