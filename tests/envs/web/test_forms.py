"""Forms suite: task generation, the server-side check, and the pages it serves."""

import importlib.util
import os
import random
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from cogym.core.errors import InvalidArgumentError, InvalidTaskError
from cogym.envs.web.forms_site import FormsSite
from cogym.envs.web.forms_tasks import (
    FORM_KINDS,
    check_forms_submission,
    generate_forms_task,
    validate_forms_task,
)
from cogym.envs.web.server import Request


def right_form(task: dict[str, Any]) -> dict[str, list[str]]:
    """The form a correct submission of ``task`` sends (or the followed link of a link task)."""
    kind = task["kind"]
    if kind == "login":
        return {"username": [task["username"]], "password": [task["password"]]}
    if kind == "date":
        return {"date": [task["date"]]}
    if kind == "checkboxes":
        return {"choice": list(task["targets"])}
    if kind == "dropdown":
        return {"choice": [task["target"]]}
    if kind == "link":
        return {"link": [task["target"]]}
    return {field["name"]: [field["value"]] for field in task["fields"]}


def wrong_forms(task: dict[str, Any]) -> list[dict[str, list[str]]]:
    """Submissions of ``task`` that each get one thing wrong."""
    right = right_form(task)
    kind = task["kind"]
    if kind == "checkboxes":
        extra = next(box for box in task["options"] if box not in task["targets"])
        return [{"choice": task["targets"][1:]}, {"choice": [*task["targets"], extra]}, {}]
    if kind == "multi_field":
        wrong = []
        for field in task["fields"]:
            options = field.get("options", [field["value"] + "x"])
            other = next(option for option in options if option != field["value"])
            wrong.append({**right, field["name"]: [other]})
        return wrong
    wrong = []
    for name, values in right.items():
        wrong.append({**right, name: [values[0] + "x"]})
        wrong.append({key: value for key, value in right.items() if key != name})
    return wrong


def tasks_of_every_kind(count: int = 10) -> list[dict[str, Any]]:
    return [
        generate_forms_task(random.Random(seed), kind)
        for kind in FORM_KINDS
        for seed in range(count)
    ]


@pytest.mark.parametrize("kind", FORM_KINDS)
def test_generator_is_a_pure_function_of_the_rng(kind):
    first = [generate_forms_task(random.Random(seed), kind) for seed in range(20)]
    again = [generate_forms_task(random.Random(seed), kind) for seed in range(20)]
    assert first == again
    assert len({str(task) for task in first}) > 10


def test_kind_none_draws_every_kind():
    kinds = {generate_forms_task(random.Random(seed))["kind"] for seed in range(200)}
    assert kinds == set(FORM_KINDS)


def test_unknown_kind_is_refused():
    with pytest.raises(InvalidArgumentError, match="form kind must be one of"):
        generate_forms_task(random.Random(0), "captcha")


@pytest.mark.parametrize("kind", FORM_KINDS)
def test_generated_tasks_validate_unchanged_and_fit_their_kind(kind):
    for seed in range(30):
        task = generate_forms_task(random.Random(seed), kind)
        assert task["suite"] == "forms" and task["kind"] == kind
        assert validate_forms_task(task) == task
        if kind == "checkboxes":
            assert 6 <= len(task["options"]) <= 10 and set(task["targets"]) < set(task["options"])
        if kind == "link":
            assert 10 <= len(task["links"]) <= 20 and task["target"] in task["links"]
        if kind == "multi_field":
            assert 4 <= len(task["fields"]) <= 6


@pytest.mark.parametrize("kind", FORM_KINDS)
def test_goal_names_every_expected_value(kind):
    task = generate_forms_task(random.Random(4), kind)
    expected = [value for values in right_form(task).values() for value in values]
    for value in expected:
        assert value in task["goal"]


def test_validate_writes_a_missing_goal_and_names_bad_keys():
    task = validate_forms_task({"suite": "forms", "kind": "date", "date": "2024-03-05"})
    assert "March 5, 2024" in task["goal"]
    with pytest.raises(InvalidTaskError, match="'date'"):
        validate_forms_task({"suite": "forms", "kind": "date", "date": "05/03/2024"})
    with pytest.raises(InvalidTaskError, match="missing"):
        validate_forms_task({"suite": "forms", "kind": "login", "username": "kim"})
    with pytest.raises(InvalidTaskError, match="'target'"):
        validate_forms_task(
            {"suite": "forms", "kind": "dropdown", "label": "City", "options": ["a", "b"],
             "target": "c"}
        )  # fmt: skip
    with pytest.raises(InvalidTaskError, match="kind"):
        validate_forms_task({"suite": "forms", "kind": "captcha"})
    with pytest.raises(InvalidTaskError, match="unknown keys"):
        validate_forms_task({**generate_forms_task(random.Random(0), "login"), "extra": 1})


def test_check_accepts_exactly_the_right_submission():
    for task in tasks_of_every_kind():
        assert check_forms_submission(task, right_form(task)) == (True, "all fields match")
        for wrong in wrong_forms(task):
            correct, detail = check_forms_submission(task, wrong)
            assert not correct, (task, wrong)
            assert "expected" in detail


def test_check_compares_numbers_by_value_and_emails_without_case():
    task = validate_forms_task(
        {"suite": "forms", "kind": "multi_field", "fields": [
            {"name": "age", "label": "Age", "type": "number", "value": "34"},
            {"name": "email", "label": "Email", "type": "email", "value": "ana@example.com"},
        ]}
    )  # fmt: skip
    assert check_forms_submission(task, {"age": ["34.0"], "email": ["Ana@Example.com "]})[0]
    correct, detail = check_forms_submission(task, {"age": ["thirty"], "email": ["a@b.c"]})
    assert not correct
    assert detail == 'Age is "thirty", expected "34"; Email is "a@b.c", expected "ana@example.com"'


class LabelledControls(HTMLParser):
    """Collects the ids of controls, the targets of <label for>, and the submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.buttons = 0
        self.in_legend = False
        self.legends: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag in ("input", "select", "textarea"):
            self.controls.append({"tag": tag, **attributes})
        if tag == "label" and "for" in attributes:
            self.label_for.add(attributes["for"])
        if tag == "button":
            self.buttons += 1
        self.in_legend = tag == "legend"

    def handle_data(self, data: str) -> None:
        if self.in_legend:
            self.legends.append(data)
            self.in_legend = False


def parse_page(body: str) -> LabelledControls:
    parser = LabelledControls()
    parser.feed(body)
    return parser


@pytest.mark.parametrize("kind", FORM_KINDS)
def test_every_control_has_a_label_for_it(kind):
    site = FormsSite()
    for seed in range(5):
        task = generate_forms_task(random.Random(seed), kind)
        assert site.start(task) == "/"
        response = site.handle(Request("GET", "/", {}, {}))
        assert response.status == 200
        page = parse_page(response.body)
        assert task["goal"].replace('"', "&quot;") in response.body
        for control in page.controls:
            assert control["id"] in page.label_for, control
        if kind == "link":
            assert not page.controls and page.buttons == 0
            assert len(re.findall(r"<a href='/follow/\d+'>", response.body)) == len(task["links"])
        else:
            assert page.controls and page.buttons == 1


def test_a_right_submission_through_the_site_is_correct():
    site = FormsSite()
    for task in tasks_of_every_kind(3):
        site.start(task)
        assert site.outcome is None
        if task["kind"] == "link":
            index = task["links"].index(task["target"])
            response = site.handle(Request("GET", f"/follow/{index}", {}, {}))
        else:
            response = site.handle(Request("POST", "/submit", {}, right_form(task)))
        assert response.location == "/result"
        assert site.outcome == {"correct": True, "detail": "all fields match"}
        result = site.handle(Request("GET", "/result", {}, {}))
        assert "Submitted. Correct." in result.body


def test_the_first_submission_counts_and_the_page_says_what_was_wrong():
    site = FormsSite()
    task = generate_forms_task(random.Random(1), "login")
    site.start(task)
    site.handle(Request("POST", "/submit", {}, {"username": ["nobody"], "password": ["x"]}))
    site.handle(Request("POST", "/submit", {}, right_form(task)))
    assert site.outcome is not None and not site.outcome["correct"]
    body = site.handle(Request("GET", "/result", {}, {})).body
    assert "Submitted. Incorrect: username is &quot;nobody&quot;, expected" in body
    site.start(task)
    assert site.outcome is None


def test_a_wrong_link_is_recorded_as_incorrect():
    site = FormsSite()
    task = generate_forms_task(random.Random(2), "link")
    site.start(task)
    wrong = next(i for i, text in enumerate(task["links"]) if text != task["target"])
    site.handle(Request("GET", f"/follow/{wrong}", {}, {}))
    assert site.outcome == {
        "correct": False,
        "detail": f'followed "{task["links"][wrong]}", expected "{task["target"]}"',
    }


def test_unknown_paths_and_misuse_get_404_with_a_link_home():
    site = FormsSite()
    assert "No task" in site.handle(Request("GET", "/", {}, {})).body
    assert site.handle(Request("POST", "/submit", {}, {})).status == 404
    site.start(generate_forms_task(random.Random(0), "link"))
    for path in ("/nowhere", "/follow/999", "/follow/x", "/result"):
        response = site.handle(Request("GET", path, {}, {}))
        assert response.status == 404 and "href='/'" in response.body
    assert site.outcome is None


def test_text_is_escaped():
    site = FormsSite()
    site.start(
        {"suite": "forms", "kind": "dropdown", "label": "<b>City</b>",
         "options": ["<script>x</script>", "b"], "target": "b"}
    )  # fmt: skip
    body = site.handle(Request("GET", "/", {}, {})).body
    assert "<script>x" not in body and "&lt;script&gt;x" in body
    assert "<b>City" not in body


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(
    not os.path.exists(CHROMIUM) or importlib.util.find_spec("playwright") is None,
    reason="needs Chromium at /usr/bin/chromium (apt-get install chromium) and playwright "
    "(pip install 'cogym[web]')",
)
def test_every_kind_is_solved_in_a_real_browser_by_label():
    from playwright.sync_api import sync_playwright

    from cogym.envs.web.server import WebServer

    site = FormsSite()
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]  # fmt: skip
    with WebServer(site) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page()
            page.set_default_timeout(5000)
            for task in tasks_of_every_kind(2):
                page.goto(server.base_url + site.start(task))
                fill_by_label(page, task)
                assert site.outcome == {"correct": True, "detail": "all fields match"}, task
                assert page.url.endswith("/result")
                assert "Submitted. Correct." in page.inner_text("body")
        finally:
            browser.close()


def fill_by_label(page, task: dict[str, Any]) -> None:
    """Solve ``task`` the way a user would: find each control by its label."""
    kind = task["kind"]
    if kind == "link":
        page.get_by_role("link", name=task["target"], exact=True).click()
        return
    if kind == "login":
        page.get_by_label("Username").fill(task["username"])
        page.get_by_label("Password").fill(task["password"])
    elif kind == "date":
        page.get_by_label("Date").fill(task["date"])
    elif kind == "checkboxes":
        for box in task["targets"]:
            page.get_by_label(box, exact=True).check()
    elif kind == "dropdown":
        page.get_by_label(task["label"]).select_option(task["target"])
    else:
        for field in task["fields"]:
            if field["type"] == "radio":
                group = page.get_by_role("group", name=field["label"])
                group.get_by_label(field["value"], exact=True).check()
            elif field["type"] == "select":
                page.get_by_label(field["label"], exact=True).select_option(field["value"])
            else:
                page.get_by_label(field["label"], exact=True).fill(field["value"])
    button = "Log in" if kind == "login" else "Submit"
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/result")
