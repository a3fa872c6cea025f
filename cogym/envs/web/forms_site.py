"""The forms suite's web pages: one form (or page of links) per task, graded by the server.

Pages are plain HTML with no script. Every input has a ``<label for>`` (radio groups a
``<fieldset>`` with a ``<legend>``), so the accessibility tree names each one. The form
posts to ``/submit`` (links go to ``/follow/<i>``); the first submission of an episode is
graded by :func:`~cogym.envs.web.forms_tasks.check_forms_submission` and kept in
:attr:`FormsSite.outcome`; the browser is then sent to ``/result``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from html import escape
from typing import Any

from cogym.envs.web.forms_tasks import (
    LOGIN_BUTTON,
    SUBMIT,
    check_forms_submission,
    validate_forms_task,
)
from cogym.envs.web.server import Request, Response, not_found

_STYLE = (
    "body{font-family:sans-serif;margin:16px;max-width:640px}"
    "label{margin-right:8px}div.row{margin:6px 0}fieldset{margin:6px 0}"
)


def _page(title: str, body: str) -> Response:
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )
    return Response(body=html)


def _row(label: str, control_id: str, control: str) -> str:
    return f"<div class='row'><label for='{control_id}'>{escape(label)}</label>{control}</div>"


def _input(name: str, label: str, input_type: str = "text") -> str:
    control_id = f"f-{name}"
    control = f"<input type='{input_type}' id='{control_id}' name='{escape(name)}'>"
    return _row(label, control_id, control)


def _select(name: str, label: str, options: list[str]) -> str:
    control_id = f"f-{name}"
    items = "".join(
        f"<option value='{escape(option)}'>{escape(option)}</option>" for option in options
    )
    control = (
        f"<select id='{control_id}' name='{escape(name)}'>"
        f"<option value=''>-- choose --</option>{items}</select>"
    )
    return _row(label, control_id, control)


def _choices(name: str, legend: str, options: list[str], input_type: str) -> str:
    items = "".join(
        f"<span><input type='{input_type}' id='f-{name}-{i}' name='{escape(name)}' "
        f"value='{escape(option)}'><label for='f-{name}-{i}'>{escape(option)}</label></span>"
        for i, option in enumerate(options)
    )
    return f"<fieldset><legend>{escape(legend)}</legend>{items}</fieldset>"


def _field(field: Mapping[str, Any]) -> str:
    name, label, kind = field["name"], field["label"], field["type"]
    if kind == "select":
        return _select(name, label, field["options"])
    if kind == "radio":
        return _choices(name, label, field["options"], "radio")
    if kind == "textarea":
        control = f"<textarea id='f-{name}' name='{escape(name)}' rows='3'></textarea>"
        return _row(label, f"f-{name}", control)
    return _input(name, label, kind)


def _form(controls: str, button: str = SUBMIT) -> str:
    return (
        f"<form method='post' action='/submit'>{controls}"
        f"<div class='row'><button type='submit'>{escape(button)}</button></div></form>"
    )


def task_body(task: Mapping[str, Any]) -> str:
    """The HTML body of ``task``'s start page (instruction, then the form or the links)."""
    kind = task["kind"]
    heading = {
        "login": "Sign in",
        "date": "Pick a date",
        "checkboxes": "Choose items",
        "dropdown": "Choose an option",
        "link": "Links",
        "multi_field": "Details",
    }[kind]
    body = f"<h1>{heading}</h1><p id='instruction'>Instruction: {escape(task['goal'])}</p>"
    if kind == "login":
        controls = _input("username", "Username") + _input("password", "Password", "password")
        return body + _form(controls, LOGIN_BUTTON)
    if kind == "date":
        return body + _form(_input("date", "Date", "date"))
    if kind == "checkboxes":
        return body + _form(_choices("choice", "Items", task["options"], "checkbox"))
    if kind == "dropdown":
        return body + _form(_select("choice", task["label"], task["options"]))
    if kind == "link":
        items = "".join(
            f"<li><a href='/follow/{i}'>{escape(text)}</a></li>"
            for i, text in enumerate(task["links"])
        )
        return body + f"<ul>{items}</ul>"
    return body + _form("".join(_field(field) for field in task["fields"]))


class FormsSite:
    """The forms suite's :class:`~cogym.envs.web.server.Site`: one task at a time.

    ``outcome`` is ``None`` until the first submission of the episode, then
    ``{"correct": bool, "detail": str}``; later submissions do not change it.
    """

    def __init__(self) -> None:
        self.task: dict[str, Any] | None = None
        self.outcome: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def start(self, task: Mapping[str, Any]) -> str:
        """Show ``task`` from now on, forget the last outcome, and return the start path."""
        clean = validate_forms_task(task)
        with self._lock:
            self.task = clean
            self.outcome = None
        return "/"

    def handle(self, request: Request) -> Response:
        """Answer one request (GET pages, POST ``/submit``)."""
        task = self.task
        if request.path == "/":
            if task is None:
                return _page("Forms", "<h1>Forms</h1><p>No task has been started.</p>")
            return _page(task["kind"], task_body(task))
        if request.path == "/submit" and request.method == "POST" and task is not None:
            self._record(task, request.form)
            return Response(location="/result")
        if request.path.startswith("/follow/") and task is not None and task["kind"] == "link":
            index = request.path.removeprefix("/follow/")
            if index.isdigit() and int(index) < len(task["links"]):
                self._record(task, {"link": [task["links"][int(index)]]})
                return Response(location="/result")
        if request.path == "/result" and self.outcome is not None:
            return _page("Result", f"<h1>Result</h1><p>{escape(_verdict(self.outcome))}</p>")
        return not_found(request.path)

    def _record(self, task: Mapping[str, Any], form: Mapping[str, list[str]]) -> None:
        correct, detail = check_forms_submission(task, form)
        with self._lock:
            if self.outcome is None and task is self.task:
                self.outcome = {"correct": correct, "detail": detail}


def _verdict(outcome: Mapping[str, Any]) -> str:
    verdict = "Correct." if outcome["correct"] else f"Incorrect: {outcome['detail']}."
    return f"Submitted. {verdict}"
