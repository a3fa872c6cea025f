import pytest
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


def test_text_in_shared_memory_reads_what_was_last_written() -> None:
    import copy
    import pickle

    from gymnasium.vector.utils import (
        create_shared_memory,
        read_from_shared_memory,
        write_to_shared_memory,
    )

    from cogym.core.errors import InvalidArgumentError

    space = text_space(12)
    memory = create_shared_memory(space, n=3)
    view = read_from_shared_memory(space, memory, n=3)
    assert tuple(view) == ("", "", "")
    write_to_shared_memory(space, 1, "hello world!", memory)
    write_to_shared_memory(space, 2, "a\nb", memory)
    assert copy.deepcopy(view) == ("", "hello world!", "a\nb")  # a plain tuple of str
    assert type(copy.deepcopy(view)) is tuple and pickle.loads(pickle.dumps(view))[2] == "a\nb"
    write_to_shared_memory(space, 1, "hi", memory)  # a shorter text ends where it ends
    assert view[1] == "hi" and view[-1] == "a\nb" and view[:2] == ("", "hi")
    for bad in ("x" * 13, "caf\u00e9", "nul\0"):
        with pytest.raises(InvalidArgumentError, match="not a member"):
            write_to_shared_memory(space, 0, bad, memory)
