"""Web baselines: scripted experts for the shop and forms suites, and a random agent.

The experts read the task from the reset info (the target product, the values to enter)
and act only through the page text, as any agent must: they find elements by role and
name and answer with BrowserGym action strings.
"""

from __future__ import annotations

import json
import random
from typing import Any

from cogym.core.agent import Agent, TaskAgent
from cogym.envs.web.elements import Element, find, page_url, parse_elements

#: Roles a click acts on.
_CLICKABLE = ("button", "link", "checkbox", "radio", "text", "menuitem", "tab", "option")
_WORDS = ("red", "blue", "shirt", "hello", "42", "2024-05-01", "cotton", "small", "yes")


def _quote(text: str) -> str:
    return json.dumps(text)


def _under(elements: list[Element], header: Element) -> list[Element]:
    """The elements listed below ``header`` and deeper than it, up to its next sibling."""
    start = elements.index(header) + 1
    below = []
    for element in elements[start:]:
        if element.depth <= header.depth:
            break
        below.append(element)
    return below


def _choice_control(elements: list[Element], group: str, value: str, role: str) -> Element | None:
    """The ``role`` control named ``value`` in the group named ``group`` (a fieldset), or
    the only one so named on the page."""
    for header in elements:
        if header.name == group and header.role in ("group", "fieldset", "legend"):
            found = find(_under(elements, header), role, value)
            if found is not None:
                return found
    matches = [e for e in elements if e.id and e.role == role and e.name == value]
    return matches[0] if len(matches) == 1 else None


class ShopExpertAgent(TaskAgent):
    """Buys the task's product with its options: searches the product type and
    attributes, pages through results to the product's id, picks each option, buys.

    Needs ``task["product_id"]`` (every generated task has it).
    """

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        task = self.current_task(info)
        elements = parse_elements(observation)
        url = page_url(observation) or "/"
        target = task.get("product_id")
        if url.startswith("/item/"):
            if url.split("?")[0] != f"/item/{target}":
                return "go_back()"
            for name, value in task["options"].items():
                radio = _choice_control(elements, name, value, "radio")
                if radio is not None and not radio.checked:
                    return f"check({_quote(radio.id)})"
            buy = find(elements, "button", "Buy Now")
            return f"click({_quote(buy.id)})" if buy else "noop()"
        if url.startswith("/search"):
            link = find(elements, "link", target)
            if link is not None:
                return f"click({_quote(link.id)})"
            following = find(elements, "link", "Next >")
            if following is not None:
                return f"click({_quote(following.id)})"
        box = find(elements, "textbox", "Search")
        if box is None:
            back = find(elements, "link", "Back to Search")
            return f"click({_quote(back.id)})" if back else "go_back()"
        query = " ".join([task["type"], *task["attributes"]])
        if box.value != query:
            return f"fill({_quote(box.id)}, {_quote(query)})"
        button = find(elements, "button", "Search")
        return f"click({_quote(button.id)})" if button else f"press({_quote(box.id)}, 'Enter')"


class FormsExpertAgent(TaskAgent):
    """Fills each form from the task's expected values, one control per turn, then
    submits; follows the named link on a link task."""

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        task = self.current_task(info)
        elements = parse_elements(observation)
        kind = task["kind"]
        if kind == "link":
            link = find(elements, "link", task["target"])
            return f"click({_quote(link.id)})" if link else "noop()"
        for step in self._steps(task, elements):
            if step is not None:
                return step
        button = find(elements, "button", "Log in" if kind == "login" else "Submit")
        return f"click({_quote(button.id)})" if button else "noop()"

    def _steps(self, task: dict[str, Any], elements: list[Element]) -> list[str | None]:
        kind = task["kind"]
        if kind == "login":
            return [
                self._fill(elements, "Username", task["username"]),
                self._fill(elements, "Password", task["password"]),
            ]
        if kind == "date":
            return [self._fill(elements, "Date", task["date"])]
        if kind == "dropdown":
            return [self._select(elements, task["label"], task["target"])]
        if kind == "checkboxes":
            steps = []
            for option in task["options"]:
                box = _choice_control(elements, "Items", option, "checkbox")
                wanted = option in task["targets"]
                if box is not None and box.checked != wanted:
                    steps.append(f"{'check' if wanted else 'uncheck'}({_quote(box.id)})")
            return steps
        steps = []
        for field in task["fields"]:
            if field["type"] == "select":
                steps.append(self._select(elements, field["label"], field["value"]))
            elif field["type"] == "radio":
                radio = _choice_control(elements, field["label"], field["value"], "radio")
                if radio is not None and not radio.checked:
                    steps.append(f"check({_quote(radio.id)})")
            else:
                steps.append(self._fill(elements, field["label"], field["value"]))
        return steps

    @staticmethod
    def _fill(elements: list[Element], label: str, value: str) -> str | None:
        for element in elements:
            if element.id and element.name == label and element.role not in _CLICKABLE:
                if element.value == value:
                    return None
                return f"fill({_quote(element.id)}, {_quote(value)})"
        return None

    @staticmethod
    def _select(elements: list[Element], label: str, value: str) -> str | None:
        box = find(elements, "combobox", label)
        if box is None or box.value == value:
            return None
        return f"select_option({_quote(box.id)}, {_quote(value)})"


class RandomWebAgent(Agent):
    """A random action on a random element of the page: clicks what is clickable, types a
    random word into text fields, picks a random option of a list; sometimes scrolls or
    goes back. The chance level of any web suite.

    :param seed: seeds the agent's own generator.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        elements = [e for e in parse_elements(str(observation)) if e.id is not None]
        roll = self._rng.random()
        if not elements or roll < 0.05:
            return self._rng.choice(["scroll(0, 300)", "scroll(0, -300)", "go_back()"])
        element = self._rng.choice(elements)
        target = _quote(element.id)
        if element.role in ("textbox", "searchbox", "spinbutton", "textarea"):
            return f"fill({target}, {_quote(self._rng.choice(_WORDS))})"
        if element.role in ("combobox", "listbox") and element.options:
            return f"select_option({target}, {_quote(self._rng.choice(element.options))})"
        return f"click({target})"
