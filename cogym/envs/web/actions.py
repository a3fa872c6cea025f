"""BrowserGym-style action strings, parsed with `ast` (never evaluated).

An agent writes one Python-like call per turn, e.g. ``click("12")`` or ``fill("7", "red shirt")``;
the ids are the numbers in brackets of the page text. `parse_action` turns the string into an
`Action` whose `args` hold every parameter in order, defaults filled in, so that
``click("12")`` and ``click(bid=12)`` parse to the same action.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from cogym.envs.web.errors import ActionSyntaxError

ACTION_HELP = """\
Actions (one per turn, in Python call syntax; ids are the numbers in [brackets]):
  click("12")                   click element 12 (also dblclick("12"), hover("12"), focus("12"))
  fill("7", "red shirt")        replace the text of field 7
  clear("7")                    empty field 7
  select_option("9", "XL")      choose an option of dropdown 9 (a list for several: ["A", "B"])
  check("3") / uncheck("3")     tick or untick checkbox 3 (or choose radio button 3)
  press("7", "Enter")           press a key in element 7 ("Enter", "Tab", "Control+a", ...)
  scroll(0, 300)                scroll the page by dx, dy pixels (negative dy scrolls up)
  go_back() / go_forward()      move in the browser history
  noop()                        do nothing"""

_BUTTONS = ("left", "middle", "right")
_MODIFIERS = ("Alt", "Control", "ControlOrMeta", "Meta", "Shift")
_BID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_FENCE = re.compile(r"^```[A-Za-z0-9_+-]*\s*\n?(.*?)\n?\s*```$", re.DOTALL)


@dataclass(frozen=True)
class _Param:
    name: str
    kind: str  # "bid" | "str" | "number" | "options" | "button" | "modifiers" | "wait"
    default: Any = None
    required: bool = True


def _opt(name: str, kind: str, default: Any) -> _Param:
    return _Param(name, kind, default, required=False)


_BID_PARAM = _Param("bid", "bid")

# Parameter names follow BrowserGym's action functions, so keyword calls carry over.
SIGNATURES: dict[str, tuple[_Param, ...]] = {
    "click": (_BID_PARAM, _opt("button", "button", "left"), _opt("modifiers", "modifiers", ())),
    "dblclick": (_BID_PARAM, _opt("button", "button", "left"), _opt("modifiers", "modifiers", ())),
    "hover": (_BID_PARAM,),
    "focus": (_BID_PARAM,),
    "clear": (_BID_PARAM,),
    "fill": (_BID_PARAM, _Param("value", "str")),
    "select_option": (_BID_PARAM, _Param("options", "options")),
    "check": (_BID_PARAM,),
    "uncheck": (_BID_PARAM,),
    "press": (_BID_PARAM, _Param("key_comb", "key")),
    "scroll": (_Param("delta_x", "number"), _Param("delta_y", "number")),
    "go_back": (),
    "go_forward": (),
    "noop": (_opt("wait_ms", "wait", 0.0),),
}


@dataclass(frozen=True)
class Action:
    """One parsed action: its name and every argument in signature order (defaults filled in).

    ``args`` may also be shorter than the signature (e.g. ``Action("click", ("12",))``);
    the browser fills in the defaults.
    """

    name: str
    args: tuple

    def __str__(self) -> str:
        params = SIGNATURES.get(self.name, ())
        shown: list[str] = []
        for i, value in enumerate(self.args):
            param = params[i] if i < len(params) else None
            if param is not None and not param.required and value == param.default:
                continue
            shown.append(repr(list(value)) if isinstance(value, tuple) else repr(value))
        return f"{self.name}({', '.join(shown)})"


def _fail(problem: str) -> ActionSyntaxError:
    return ActionSyntaxError(f"{problem}\n{ACTION_HELP}")


def strip_action_text(text: str) -> str:
    """Drop surrounding whitespace, a Markdown code fence and inline backticks."""
    text = text.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    while len(text) >= 2 and text[0] == "`" and text[-1] == "`":
        text = text[1:-1].strip()
    return text.rstrip(";").strip()


def _literal(node: ast.expr) -> Any:
    """A constant, a negated number or a list/tuple of constants; anything else is refused."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float)):
        if isinstance(node.value, bool):
            raise ValueError("booleans are not arguments of any action")
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item) for item in node.elts]
    raise ValueError('arguments must be plain strings or numbers, e.g. click("12")')


def _convert(name: str, param: _Param, value: Any) -> Any:
    where = f"{name}(): argument '{param.name}'"
    if param.kind == "bid":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            value = str(value)
        if not isinstance(value, str) or not _BID.match(value.strip()):
            raise ValueError(f'{where} must be an element id such as "12", got {value!r}')
        return value.strip()
    if param.kind == "str":
        if not isinstance(value, str):
            raise ValueError(f"{where} must be a string in quotes, got {value!r}")
        return value
    if param.kind == "key":
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f'{where} must be a key name such as "Enter", got {value!r}')
        return value.strip()
    if param.kind in ("number", "wait"):
        if isinstance(value, (str, list)):
            raise ValueError(f"{where} must be a number, got {value!r}")
        if param.kind == "wait" and value < 0:
            raise ValueError(f"{where} must be >= 0 milliseconds, got {value!r}")
        return float(value)
    if param.kind == "options":
        options = value if isinstance(value, list) else [value]
        if not options or not all(isinstance(option, str) for option in options):
            raise ValueError(f"{where} must be a string or a non-empty list of strings")
        return options[0] if not isinstance(value, list) else tuple(options)
    if param.kind == "button":
        if value not in _BUTTONS:
            raise ValueError(f"{where} must be one of {list(_BUTTONS)}, got {value!r}")
        return value
    if param.kind == "modifiers":
        mods = value if isinstance(value, list) else [value]
        if not all(mod in _MODIFIERS for mod in mods):
            raise ValueError(f"{where} must be a list of {list(_MODIFIERS)}, got {value!r}")
        return tuple(mods)
    raise AssertionError(param.kind)


def parse_action(text: str) -> Action:
    """Parse one BrowserGym-style call, e.g. ``'fill("7", "red shirt")'``.

    :param text: the agent's action; code fences, backticks and outer whitespace are ignored.
    :raises ActionSyntaxError: with a message that says what is wrong and lists the valid forms.
    """
    if not isinstance(text, str):
        raise _fail(f"The action must be a string, got {type(text).__name__}.")
    source = strip_action_text(text)
    if not source:
        raise _fail("The action is empty: write exactly one call.")
    try:
        module = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        raise _fail(f"Could not parse {source[:80]!r}: {exc.msg}.") from None
    except (ValueError, UnicodeError, MemoryError, RecursionError) as exc:  # NUL, surrogates
        raise _fail(f"Could not parse {source[:80]!r}: {type(exc).__name__}.") from None
    if len(module.body) != 1:
        raise _fail(f"Write exactly one action per turn, got {len(module.body)} statements.")
    statement = module.body[0]
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        raise _fail(f'{source[:80]!r} is not a call such as click("12").')
    call = statement.value
    if not isinstance(call.func, ast.Name) or call.func.id not in SIGNATURES:
        shown = ast.unparse(call.func)[:40]
        raise _fail(f"Unknown action {shown!r}.")
    name = call.func.id
    params = SIGNATURES[name]
    try:
        if any(isinstance(arg, ast.Starred) for arg in call.args) or any(
            kw.arg is None for kw in call.keywords
        ):
            raise ValueError("* and ** arguments are not allowed")
        if len(call.args) > len(params):
            raise ValueError(f"{name}() takes {len(params)} argument(s), got {len(call.args)}")
        given: dict[str, Any] = {}
        for param, node in zip(params, call.args, strict=False):
            given[param.name] = _literal(node)
        names = {param.name for param in params}
        for keyword in call.keywords:
            if keyword.arg not in names:
                raise ValueError(f"{name}() has no argument {keyword.arg!r}")
            if keyword.arg in given:
                raise ValueError(f"{name}() got argument {keyword.arg!r} twice")
            given[keyword.arg] = _literal(keyword.value)
        args: list[Any] = []
        for param in params:
            if param.name in given:
                args.append(_convert(name, param, given[param.name]))
            elif param.required:
                raise ValueError(f"{name}() is missing argument {param.name!r}")
            else:
                args.append(param.default)
    except ValueError as exc:
        raise _fail(f"Invalid action {source[:80]!r}: {exc}.") from None
    return Action(name, tuple(args))
