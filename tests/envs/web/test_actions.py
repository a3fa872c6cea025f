"""BrowserGym-style action strings: parsed with ast, never evaluated (no browser needed)."""

import pytest

from cogym.core.errors import CogymError
from cogym.envs.web.actions import ACTION_HELP, SIGNATURES, Action, parse_action
from cogym.envs.web.errors import ActionSyntaxError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('click("12")', Action("click", ("12", "left", ()))),
        ("click(12)", Action("click", ("12", "left", ()))),
        ("click(bid='12', button='right')", Action("click", ("12", "right", ()))),
        ('click("3", modifiers=["Shift"])', Action("click", ("3", "left", ("Shift",)))),
        ('dblclick("4")', Action("dblclick", ("4", "left", ()))),
        ('hover("5")', Action("hover", ("5",))),
        ('focus("5")', Action("focus", ("5",))),
        ('clear("7")', Action("clear", ("7",))),
        ('fill("7", "red shirt")', Action("fill", ("7", "red shirt"))),
        ('fill("7", value="")', Action("fill", ("7", ""))),
        ('select_option("9", "XL")', Action("select_option", ("9", "XL"))),
        ('select_option("9", ["S", "M"])', Action("select_option", ("9", ("S", "M")))),
        ('select_option("9", options="M")', Action("select_option", ("9", "M"))),
        ('check("3")', Action("check", ("3",))),
        ('uncheck("3")', Action("uncheck", ("3",))),
        ('press("7", "Enter")', Action("press", ("7", "Enter"))),
        ("press('7', key_comb='Control+a')", Action("press", ("7", "Control+a"))),
        ("scroll(0, 300)", Action("scroll", (0.0, 300.0))),
        ("scroll(-10.5, -300)", Action("scroll", (-10.5, -300.0))),
        ("scroll(delta_x=0, delta_y=-1)", Action("scroll", (0.0, -1.0))),
        ("go_back()", Action("go_back", ())),
        ("go_forward()", Action("go_forward", ())),
        ("noop()", Action("noop", (0.0,))),
        ("noop(500)", Action("noop", (500.0,))),
    ],
)
def test_every_form_parses_to_its_action(text, expected):
    assert parse_action(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        '```python\nclick("12")\n```',
        '```\nclick("12")\n```',
        '`click("12")`',
        '  click("12")  \n',
        'click("12");',
        "click( '12' )",
    ],
)
def test_fences_backticks_and_whitespace_are_stripped(text):
    assert parse_action(text) == Action("click", ("12", "left", ()))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("click the button", "Could not parse"),
        ('click("1"); click("2")', "exactly one action"),
        ('click("1")\nclick("2")', "exactly one action"),
        ('submit("1")', "Unknown action 'submit'"),
        ('page.click("1")', "Unknown action 'page.click'"),
        ("click()", "missing argument 'bid'"),
        ('fill("7")', "missing argument 'value'"),
        ('fill("7", 12)', "must be a string"),
        ('fill("7", "a", "b")', "takes 2 argument(s)"),
        ('fill("7", text="a")', "no argument 'text'"),
        ('click("1", bid="2")', "twice"),
        ('click("a b")', "element id"),
        ('click("1\\"]")', "element id"),
        ("click(-1)", "element id"),
        ("click(True)", "booleans"),
        ('click("1", button="top")', "button"),
        ('click("1", modifiers=["Hyper"])', "modifiers"),
        ('scroll("0", 300)', "must be a number"),
        ("scroll(0)", "missing argument 'delta_y'"),
        ('select_option("9", [])', "non-empty list"),
        ('press("7", "")', "key name"),
        ("noop(-5)", ">= 0"),
        ('click(__import__("os").system("true"))', "plain strings or numbers"),
        ('click(*["1"])', "not allowed"),
        ("x = 1", "not a call"),
        ("click", "not a call"),
    ],
)
def test_malformed_actions_raise_a_message_that_lists_the_valid_forms(text, says):
    with pytest.raises(ActionSyntaxError) as caught:
        parse_action(text)
    message = str(caught.value)
    assert says in message
    assert ACTION_HELP in message
    assert isinstance(caught.value, CogymError)


def test_a_non_string_action_is_a_syntax_error():
    with pytest.raises(ActionSyntaxError, match="must be a string"):
        parse_action(12)  # type: ignore[arg-type]


def test_code_in_arguments_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(ActionSyntaxError):
        parse_action(f'fill("1", open({str(marker)!r}, "w").write("x"))')
    assert not marker.exists()


def test_help_names_every_action():
    for name in SIGNATURES:
        assert f"{name}(" in ACTION_HELP


@pytest.mark.parametrize(
    "text",
    [
        'click("12")',
        'click("12", button="right")',
        'fill("7", "it\'s red")',
        'select_option("9", ["S", "M"])',
        "scroll(0, -300)",
        "go_back()",
        "noop()",
    ],
)
def test_str_of_an_action_parses_back_to_the_same_action(text):
    action = parse_action(text)
    assert parse_action(str(action)) == action
