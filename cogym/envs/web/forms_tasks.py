"""Form and widget tasks: what to fill in, and the check of a submitted form.

A task is a dict ``{"suite": "forms", "kind", "goal", ...}`` whose other keys hold the
expected values of its kind (see :data:`FORM_KINDS`). :func:`generate_forms_task` draws one
from an rng; :func:`check_forms_submission` grades a submission (the form fields as
``parse_qs`` gives them) without any server or browser, and
:class:`~cogym.envs.web.forms_site.FormsSite` renders the pages and calls it.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping, Sequence
from typing import Any

from cogym.core.errors import InvalidArgumentError, InvalidTaskError
from cogym.core.tasks import check_task_keys, short_repr

FORM_KINDS = ("login", "date", "checkboxes", "dropdown", "link", "multi_field")

#: Expected-value keys of each kind (besides ``suite``, ``kind`` and ``goal``).
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "login": ("username", "password"),
    "date": ("date",),
    "checkboxes": ("options", "targets"),
    "dropdown": ("label", "options", "target"),
    "link": ("links", "target"),
    "multi_field": ("fields",),
}
#: Input types of a multi_field form.
FIELD_TYPES = ("text", "email", "number", "select", "radio", "textarea")
#: The submit button's text on every form but login's.
SUBMIT = "Submit"
LOGIN_BUTTON = "Log in"

_FIRST_NAMES = (
    "kalani", "mirela", "tobias", "anouk", "desmond", "yuki", "farah", "ingrid", "oskar",
    "priya", "lucian", "marisol", "tendai", "elif", "bruno", "noor", "soren", "amara",
)  # fmt: skip
_LAST_NAMES = (
    "Okafor", "Lindqvist", "Moreau", "Tanaka", "Ruiz", "Novak", "Haddad", "Bianchi",
    "Kowalski", "Adeyemi", "Larsen", "Costa", "Ivanova", "Mendes", "Fischer", "Sato",
)  # fmt: skip
_WORDS = (
    "Birch", "Harbor", "Copper", "Maple", "Falcon", "Ember", "Quartz", "Willow", "Cobalt",
    "Lantern", "Meadow", "Onyx", "Pebble", "Saffron", "Thistle", "Velvet", "Juniper", "Orbit",
)  # fmt: skip
_BOX_OPTIONS = (
    "apple", "banana", "cherry", "grape", "kiwi", "lemon", "mango", "melon", "orange",
    "papaya", "peach", "pear", "plum", "quince", "raspberry", "strawberry",
)  # fmt: skip
_DROPDOWNS = (
    ("Country", ("Argentina", "Canada", "Egypt", "Finland", "Ghana", "India", "Japan",
                 "Kenya", "Mexico", "Norway", "Peru", "Portugal", "Vietnam")),
    ("Colour", ("amber", "black", "blue", "crimson", "gold", "green", "indigo", "ivory",
                "lime", "magenta", "navy", "olive", "teal", "violet")),
    ("City", ("Accra", "Bergen", "Cusco", "Dakar", "Hanoi", "Kyoto", "Lima", "Lisbon",
              "Osaka", "Porto", "Quito", "Tallinn", "Tunis")),
    ("Department", ("Accounts", "Design", "Facilities", "Legal", "Logistics", "Marketing",
                    "Research", "Sales", "Security", "Support")),
)  # fmt: skip
_LINK_ADJECTIVES = (
    "Quiet", "Hidden", "Golden", "Rusty", "Silver", "Northern", "Ancient", "Bright",
    "Frozen", "Lonely", "Misty", "Sunny", "Velvet", "Wild", "Crooked", "Hollow",
)  # fmt: skip
_LINK_NOUNS = (
    "harbour", "garden", "bridge", "forest", "library", "market", "meadow", "orchard",
    "station", "tower", "valley", "workshop", "lighthouse", "canyon", "island", "river",
)  # fmt: skip
_COMMENTS = (
    "please call after five", "leave the parcel at the door", "no onions please",
    "ring the bell twice", "gift wrap the order", "deliver on weekdays only",
)  # fmt: skip
# Field templates of a multi_field form: (name, label, type, options or ()).
_FIELD_POOL: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("full_name", "Full name", "text", ()),
    ("email", "Email", "email", ()),
    ("age", "Age", "number", ()),
    ("country", "Country", "select", _DROPDOWNS[0][1][:6]),
    ("contact", "Preferred contact", "radio", ("email", "phone", "post")),
    ("comment", "Comment", "textarea", ()),
    ("city", "City", "text", ()),
    ("quantity", "Quantity", "number", ()),
    ("plan", "Plan", "select", ("basic", "standard", "premium", "enterprise")),
    ("size", "Size", "radio", ("small", "medium", "large")),
)
_EXAMPLE = '{"suite": "forms", "kind": "login", "username": "kalani", "password": "x7-Birch"}'


def generate_forms_task(rng: random.Random, kind: str | None = None) -> dict[str, Any]:
    """One form task, a pure function of ``rng`` (and ``kind``).

    :param rng: the generator; the same state gives the same task.
    :param kind: one of :data:`FORM_KINDS`; ``None`` draws one.
    :return: ``{"suite": "forms", "kind", "goal", ...}`` with the kind's expected values.
    """
    if kind is None:
        kind = rng.choice(FORM_KINDS)
    if kind not in FORM_KINDS:
        raise InvalidArgumentError(f"form kind must be one of {FORM_KINDS} or None; got {kind!r}")
    task: dict[str, Any] = {"suite": "forms", "kind": kind}
    task.update(_DRAW[kind](rng))
    task["goal"] = forms_goal(task)
    return task


def _draw_login(rng: random.Random) -> dict[str, Any]:
    username = rng.choice(_FIRST_NAMES) + (str(rng.randrange(100)) if rng.random() < 0.5 else "")
    password = f"{rng.choice('abcdefghjkmnpqrstuvwxyz')}{rng.randrange(10)}-{rng.choice(_WORDS)}"
    return {"username": username, "password": password}


def _draw_date(rng: random.Random) -> dict[str, Any]:
    day = datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(40 * 365))
    return {"date": day.isoformat()}


def _draw_checkboxes(rng: random.Random) -> dict[str, Any]:
    options = sorted(rng.sample(_BOX_OPTIONS, rng.randint(6, 10)))
    chosen = set(rng.sample(options, rng.randint(1, 4)))
    targets = [box for box in options if box in chosen]
    return {"options": options, "targets": targets}


def _draw_dropdown(rng: random.Random) -> dict[str, Any]:
    label, pool = rng.choice(_DROPDOWNS)
    options = sorted(rng.sample(pool, rng.randint(5, len(pool))))
    return {"label": label, "options": options, "target": rng.choice(options)}


def _draw_link(rng: random.Random) -> dict[str, Any]:
    pairs = [f"{adjective} {noun}" for adjective in _LINK_ADJECTIVES for noun in _LINK_NOUNS]
    links = rng.sample(pairs, rng.randint(10, 20))
    return {"links": links, "target": rng.choice(links)}


def _field_value(rng: random.Random, name: str, kind: str, options: tuple[str, ...]) -> str:
    if options:
        return rng.choice(options)
    if name == "full_name":
        return f"{rng.choice(_FIRST_NAMES).capitalize()} {rng.choice(_LAST_NAMES)}"
    if kind == "email":
        return f"{rng.choice(_FIRST_NAMES)}.{rng.choice(_LAST_NAMES).lower()}@example.com"
    if name == "age":
        return str(rng.randint(18, 90))
    if kind == "number":
        return str(rng.randint(1, 50))
    if kind == "textarea":
        return rng.choice(_COMMENTS)
    return rng.choice(_DROPDOWNS[2][1])  # city


def _draw_multi_field(rng: random.Random) -> dict[str, Any]:
    chosen = sorted(rng.sample(range(len(_FIELD_POOL)), rng.randint(4, 6)))
    fields = []
    for index in chosen:
        name, label, kind, options = _FIELD_POOL[index]
        field = {"name": name, "label": label, "type": kind, "value": ""}
        if options:
            field["options"] = list(options)
        field["value"] = _field_value(rng, name, kind, options)
        fields.append(field)
    return {"fields": fields}


_DRAW = {
    "login": _draw_login,
    "date": _draw_date,
    "checkboxes": _draw_checkboxes,
    "dropdown": _draw_dropdown,
    "link": _draw_link,
    "multi_field": _draw_multi_field,
}


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f'"{value}"' for value in values)


def forms_goal(task: Mapping[str, Any]) -> str:
    """The instruction text of a (valid) task: everything needed to solve it."""
    kind = task["kind"]
    if kind == "login":
        return (
            f'Log in with username "{task["username"]}" and password "{task["password"]}", '
            f'then press "{LOGIN_BUTTON}".'
        )
    if kind == "date":
        day = datetime.date.fromisoformat(task["date"])
        return (
            f"Enter the date {day.strftime('%B')} {day.day}, {day.year} ({task['date']}) "
            f'in the "Date" field and press "{SUBMIT}".'
        )
    if kind == "checkboxes":
        return (
            f"Tick exactly these boxes and no others: {_quoted(task['targets'])}; "
            f'then press "{SUBMIT}".'
        )
    if kind == "dropdown":
        return f'Choose "{task["target"]}" in the "{task["label"]}" list and press "{SUBMIT}".'
    if kind == "link":
        return f'Follow the link "{task["target"]}".'
    parts = [f'{field["label"]} "{field["value"]}"' for field in task["fields"]]
    return f'Fill in the form with {"; ".join(parts)}; then press "{SUBMIT}".'


def _fail(key: str, what: str, value: Any) -> InvalidTaskError:
    return InvalidTaskError(f"forms task key {key!r} must be {what}; got {short_repr(value)}")


def _check_str(task: Mapping[str, Any], key: str) -> str:
    value = task[key]
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise _fail(key, "a non-empty string of at most 200 characters", value)
    return value


def _check_str_list(task: Mapping[str, Any], key: str, low: int, high: int) -> list[str]:
    value = task[key]
    if (
        not isinstance(value, list | tuple)
        or not low <= len(value) <= high
        or not all(isinstance(item, str) and item.strip() for item in value)
        or len(set(value)) != len(value)
    ):
        raise _fail(key, f"a list of {low}-{high} distinct non-empty strings", value)
    return list(value)


def _check_multi_fields(value: Any) -> list[dict[str, Any]]:
    what = (
        "a list of 1-10 field dicts with distinct 'name's, each with 'name', 'label', "
        f"'type' (one of {FIELD_TYPES}), 'value' and, for select/radio, 'options' holding 'value'"
    )
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 10:
        raise _fail("fields", what, value)
    fields = []
    for field in value:
        if not isinstance(field, Mapping) or field.get("type") not in FIELD_TYPES:
            raise _fail("fields", what, field)
        keys = {"name", "label", "type", "value"}
        if field["type"] in ("select", "radio"):
            keys.add("options")
        if set(field) != keys or not all(
            isinstance(field[key], str) and field[key].strip() for key in keys - {"options"}
        ):
            raise _fail("fields", what, field)
        clean = dict(field)
        if "options" in keys:
            clean["options"] = _check_str_list(field, "options", 2, 30)
            if field["value"] not in clean["options"]:
                raise _fail("fields", what, field)
        fields.append(clean)
    if len({field["name"] for field in fields}) != len(fields):
        raise _fail("fields", what, value)
    return fields


def validate_forms_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """Check a forms task and return a clean copy (``goal`` is written when left out).

    :param task: ``{"suite": "forms", "kind", ...}`` with the keys of :data:`KIND_KEYS`.
    :raises InvalidTaskError: naming the key that is missing or wrong.
    """
    kind = task.get("kind") if isinstance(task, Mapping) else None
    if kind not in FORM_KINDS:
        raise InvalidTaskError(
            f"forms task needs 'kind', one of {FORM_KINDS}; got {short_repr(task)}"
        )
    keys = KIND_KEYS[kind]
    check_task_keys(
        task,
        family="forms",
        allowed=("suite", "kind", "goal", *keys),
        required=("suite", "kind", *keys),
        example=_EXAMPLE,
    )
    if task["suite"] != "forms":
        raise _fail("suite", '"forms"', task["suite"])
    clean: dict[str, Any] = {"suite": "forms", "kind": kind}
    if kind == "login":
        clean["username"] = _check_str(task, "username")
        clean["password"] = _check_str(task, "password")
    elif kind == "date":
        try:
            clean["date"] = datetime.date.fromisoformat(task["date"]).isoformat()
        except (TypeError, ValueError):
            raise _fail("date", "an ISO date like '2024-03-05'", task["date"]) from None
    elif kind == "checkboxes":
        clean["options"] = _check_str_list(task, "options", 2, 30)
        clean["targets"] = _check_str_list(task, "targets", 1, 30)
        if not set(clean["targets"]) <= set(clean["options"]):
            raise _fail("targets", "a subset of 'options'", task["targets"])
    elif kind in ("dropdown", "link"):
        if kind == "dropdown":
            clean["label"] = _check_str(task, "label")
        options_key = "options" if kind == "dropdown" else "links"
        clean[options_key] = _check_str_list(task, options_key, 2, 50)
        clean["target"] = _check_str(task, "target")
        if clean["target"] not in clean[options_key]:
            raise _fail("target", f"one of {options_key!r}", task["target"])
    else:
        clean["fields"] = _check_multi_fields(task["fields"])
    goal = task.get("goal")
    if goal is not None and not isinstance(goal, str):
        raise _fail("goal", "a string", goal)
    clean["goal"] = goal or forms_goal(clean)
    return clean


def _one(form: Mapping[str, Sequence[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def _same(field_type: str, got: str, want: str) -> bool:
    if field_type == "email":
        return got.lower() == want.lower()
    if field_type == "number":
        try:
            return float(got) == float(want)
        except ValueError:
            return False
    return got == want


def check_forms_submission(
    task: Mapping[str, Any], form: Mapping[str, Sequence[str]]
) -> tuple[bool, str]:
    """Grade a submission of ``task``'s form.

    :param task: a valid forms task.
    :param form: the submitted fields, name -> values (as ``urllib.parse.parse_qs`` gives
        them); for ``link`` tasks ``{"link": [followed link text]}``.
    :return: ``(correct, detail)``; detail says what was wrong, or ``"all fields match"``.
    """
    kind = task["kind"]
    wrong: list[str] = []
    if kind == "login":
        for name in ("username", "password"):
            if _one(form, name) != task[name]:
                wrong.append(f'{name} is "{_one(form, name)}", expected "{task[name]}"')
    elif kind == "date":
        if _one(form, "date") != task["date"]:
            wrong.append(f'date is "{_one(form, "date")}", expected "{task["date"]}"')
    elif kind == "checkboxes":
        ticked = list(dict.fromkeys(value.strip() for value in form.get("choice", [])))
        if set(ticked) != set(task["targets"]):
            wrong.append(f"ticked [{_quoted(ticked)}], expected [{_quoted(task['targets'])}]")
    elif kind == "dropdown":
        if _one(form, "choice") != task["target"]:
            wrong.append(
                f'{task["label"]} is "{_one(form, "choice")}", expected "{task["target"]}"'
            )
    elif kind == "link":
        if _one(form, "link") != task["target"]:
            wrong.append(f'followed "{_one(form, "link")}", expected "{task["target"]}"')
    else:
        for field in task["fields"]:
            got = _one(form, field["name"])
            if not _same(field["type"], got, field["value"]):
                wrong.append(f'{field["label"]} is "{got}", expected "{field["value"]}"')
    if wrong:
        return False, "; ".join(wrong)
    return True, "all fields match"
