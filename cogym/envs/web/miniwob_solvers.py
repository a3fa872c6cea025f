"""Scripted solvers for a few MiniWoB++ tasks: a known-correct action sequence per task.

Each solver reads only what a policy sees, the goal (the task's instruction) and the page
text of the first observation, and plans the BrowserGym actions that do what the
instruction says (click the button it names, type the text it quotes, tick the boxes it
lists...). The plan is played through the env, so a solved episode shows that the env's
page text, ids and actions are enough to solve the task, and that the task's own
JavaScript scores the result 1.0. Ids stay the same across snapshots of one page, so the
whole plan is made at the first turn.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from cogym.core.agent import Agent
from cogym.core.errors import InvalidArgumentError
from cogym.envs.web.elements import Element, find, parse_elements

Solver = Callable[[str, list[Element]], list[str]]


def _quote(text: str) -> str:
    return json.dumps(text)


def _click(element: Element | None) -> str:
    return "noop()" if element is None else f"click({_quote(element.id)})"


def _match(pattern: str, goal: str) -> re.Match[str]:
    found = re.search(pattern, goal)
    if found is None:
        raise InvalidArgumentError(f"the goal {goal!r} does not read as {pattern!r}")
    return found


def _after(elements: list[Element], label: str, role: str) -> Element | None:
    """The first ``role`` element listed after the element named ``label``."""
    for index, element in enumerate(elements):
        if element.name == label and element.role in ("label", "text"):
            return find(elements[index + 1 :], role)
    return None


def _textboxes(elements: list[Element]) -> list[Element]:
    return [e for e in elements if e.id is not None and e.role == "textbox"]


def click_button(goal: str, elements: list[Element]) -> list[str]:
    """``Click on the "previous" button.``"""
    name = _match(r'Click on the "(.*)" button', goal)[1]
    return [_click(find(elements, "button", name))]


def click_link(goal: str, elements: list[Element]) -> list[str]:
    """``Click on the link "Quam".`` (the links are spans named by their word)."""
    name = _match(r'Click on the link "(.*)"\.', goal)[1]
    return [_click(find(elements, "link", name) or find(elements, "text", name))]


def enter_text(goal: str, elements: list[Element]) -> list[str]:
    """``Enter "Marcella" into the text field and press Submit.``"""
    text = _match(r'Enter "(.*)" into the text field', goal)[1]
    box = find(elements, "textbox")
    return [f"fill({_quote(box.id)}, {_quote(text)})", _click(find(elements, "button", "Submit"))]


def focus_text(goal: str, elements: list[Element]) -> list[str]:
    """``Focus into the textbox.``"""
    return [f"focus({_quote(_textboxes(elements)[0].id)})"]


def focus_text_2(goal: str, elements: list[Element]) -> list[str]:
    """``Focus into the 2nd input textbox.`` (the boxes in page order)."""
    position = int(_match(r"Focus into the (\d)(?:st|nd|rd|th) input textbox", goal)[1])
    return [f"focus({_quote(_textboxes(elements)[position - 1].id)})"]


def click_checkboxes(goal: str, elements: list[Element]) -> list[str]:
    """``Select UtK, SeVM and click Submit.`` or ``Select nothing and click Submit.``"""
    listed = _match(r"Select (.*) and click Submit\.", goal)[1]
    wanted = set() if listed == "nothing" else {name.strip() for name in listed.split(",")}
    actions = []
    for box in elements:
        if box.id is not None and box.role == "checkbox" and (box.name in wanted) != box.checked:
            actions.append(f"{'check' if box.name in wanted else 'uncheck'}({_quote(box.id)})")
    return [*actions, _click(find(elements, "button", "Submit"))]


def click_option(goal: str, elements: list[Element]) -> list[str]:
    """``Select blFdc1 and click Submit.`` (radio buttons)."""
    name = _match(r"Select (.*) and click Submit\.", goal)[1]
    radio = find(elements, "radio", name)
    return [
        "noop()" if radio is None else f"check({_quote(radio.id)})",
        _click(find(elements, "button", "Submit")),
    ]


def login_user(goal: str, elements: list[Element]) -> list[str]:
    """``Enter the username "kasie" and the password "blFd" into the text fields and press
    login.``"""
    found = _match(r'username "(.*)" and the password "(.*)" into', goal)
    user, password = (
        _after(elements, "Username", "textbox"),
        _after(elements, "Password", "textbox"),
    )
    return [
        f"fill({_quote(user.id)}, {_quote(found[1])})",
        f"fill({_quote(password.id)}, {_quote(found[2])})",
        _click(find(elements, "button", "Login")),
    ]


def enter_password(goal: str, elements: list[Element]) -> list[str]:
    """``Enter the password "Kbl" into both text fields and press submit.``"""
    password = _match(r'Enter the password "(.*)" into both', goal)[1]
    boxes = [
        _after(elements, "Password", "textbox"),
        _after(elements, "Verify password", "textbox"),
    ]
    fills = [f"fill({_quote(box.id)}, {_quote(password)})" for box in boxes]
    return [*fills, _click(find(elements, "button", "Submit"))]


def click_tab(goal: str, elements: list[Element]) -> list[str]:
    """``Click on Tab #2.``"""
    name = "Tab #" + _match(r"Click on Tab #(\d)", goal)[1]
    return [_click(find(elements, "link", name) or find(elements, "tab", name))]


#: The tasks with a scripted solver, and the solver of each.
SOLVERS: dict[str, Solver] = {
    "click-button": click_button,
    "click-link": click_link,
    "enter-text": enter_text,
    "focus-text": focus_text,
    "focus-text-2": focus_text_2,
    "click-checkboxes": click_checkboxes,
    "click-option": click_option,
    "login-user": login_user,
    "enter-password": enter_password,
    "click-tab": click_tab,
}


def _goal(observation: str) -> str:
    for line in observation.splitlines():
        if line.startswith("Goal: "):
            return line[len("Goal: ") :]
    raise InvalidArgumentError(
        "MiniWoBScriptAgent needs the first observation of an episode (it starts 'Goal: ...')"
    )


class MiniWoBScriptAgent(Agent):
    """Plays the known-correct action sequence of one MiniWoB++ task (see :data:`SOLVERS`).

    At the first turn it reads the goal and the page text of the observation and plans the
    actions; then it plays them in order (``noop()`` once they are spent). It never reads
    the task's answer from ``info``.

    :param task_name: the MiniWoB++ task, one of :data:`SOLVERS`.
    """

    def __init__(self, task_name: str) -> None:
        if task_name not in SOLVERS:
            raise InvalidArgumentError(
                f"no scripted solver for {task_name!r}; solvable: {', '.join(SOLVERS)}"
            )
        self.task_name = task_name
        self._plan: list[str] | None = None

    def reset(self) -> None:
        self._plan = None

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        if self._plan is None:
            text = str(observation)
            self._plan = SOLVERS[self.task_name](_goal(text), parse_elements(text))
        return self._plan.pop(0) if self._plan else "noop()"
