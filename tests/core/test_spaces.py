from gymnasium import spaces

from cogym.core.spaces import TRUNCATION_MARK, describe_space, fit_text, preview, text_space


def test_fit_text_replaces_characters_outside_the_charset():
    space = text_space(100)
    fitted = fit_text("3 × 4 ÷ 2 → ok\x00", 100)
    assert fitted == "3 ? 4 ? 2 ? ok?"
    assert space.contains(fitted)


def test_fit_text_cuts_long_text_with_a_visible_mark():
    fitted = fit_text("a" * 500, 100)
    assert len(fitted) == 100
    assert fitted.endswith(TRUNCATION_MARK)
    assert text_space(100).contains(fitted)


def test_text_space_holds_prompts_with_punctuation_and_newlines():
    assert text_space(50).contains("Rules: (a + b) * c = 24?\n<answer>x</answer>")


def test_preview_is_one_bounded_line():
    assert preview("a\n  b", 10) == "a b"
    assert len(preview("x" * 100, 20)) == 20


def test_describe_space():
    assert describe_space(text_space(8192)) == "Text(8192)"
    assert describe_space(spaces.Discrete(3)) == "Discrete(3)"
