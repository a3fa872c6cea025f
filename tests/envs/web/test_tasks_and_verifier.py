"""Web tasks across suites, the off-page verifier, and reading page text back (no browser)."""

from __future__ import annotations

import json
import random

import pytest

from cogym.core.errors import InvalidArgumentError, InvalidTaskError
from cogym.envs.web.catalogue import generate_catalogue
from cogym.envs.web.elements import find, page_url, parse_elements
from cogym.envs.web.forms_tasks import FORM_KINDS
from cogym.envs.web.tasks import WebConfig, generate_task, validate_task
from cogym.envs.web.verifier import verify_record


@pytest.mark.parametrize("suite", ["shop", "forms", "miniwob"])
def test_each_suite_draws_tasks_its_validator_accepts_and_the_same_rng_repeats(suite):
    config = WebConfig(suite=suite, products=200)
    for seed in range(5):
        task = generate_task(random.Random(seed), config)
        assert task["suite"] == suite and validate_task(task) == task
        assert generate_task(random.Random(seed), config) == task


def test_task_name_pins_the_form_kind_and_the_miniwob_task():
    for kind in FORM_KINDS:
        config = WebConfig(suite="forms", task_name=kind)
        assert generate_task(random.Random(0), config)["kind"] == kind
    task = generate_task(random.Random(0), WebConfig(suite="miniwob", task_name="click-link"))
    assert task["name"] == "click-link" and 0 <= task["seed"] < 2**31


@pytest.mark.parametrize(
    "overrides",
    [
        {"suite": "news"},
        {"products": 5},
        {"suite": "shop", "task_name": "login"},
        {"suite": "forms", "task_name": "click-button"},
        {"suite": "miniwob", "task_name": "no-such-task"},
    ],
)
def test_bad_configs_say_what_to_pass(overrides):
    with pytest.raises(InvalidArgumentError, match="WebConfig"):
        WebConfig().with_overrides(**overrides)


@pytest.mark.parametrize(
    "task",
    [
        None,
        {"suite": "news"},
        {"suite": "miniwob", "name": "click-button"},
        {"suite": "miniwob", "name": "no-such-task", "seed": 1},
        {"suite": "miniwob", "name": "click-button", "seed": -1},
        {"suite": "miniwob", "name": "click-button", "seed": 1, "extra": 2},
        {"suite": "forms", "kind": "login"},
    ],
)
def test_malformed_tasks_are_refused(task):
    with pytest.raises(InvalidTaskError):
        validate_task(task)


def _shop_task():
    config = WebConfig(suite="shop")
    return generate_task(random.Random(3), config), generate_catalogue(0, 1000)


def test_the_verifier_scores_a_purchase_record_like_the_site():
    task, catalogue = _shop_task()
    right = json.dumps({"product_id": task["product_id"], "options": task["options"]})
    verdict = verify_record(right, task)
    assert (verdict.score, verdict.success, verdict.answer) == (1.0, True, task["product_id"])
    other = next(p for p in catalogue.products if p.type != task["type"])
    wrong = verify_record(json.dumps({"product_id": other.id}), task)
    assert (wrong.score, wrong.success, wrong.details["type_match"]) == (0.0, False, False)


def test_the_verifier_checks_a_form_record():
    task = generate_task(random.Random(1), WebConfig(suite="forms", task_name="login"))
    good = f"username={task['username']}&password={task['password']}"
    assert verify_record(good, task).success
    bad = verify_record(f"username={task['username']}&password=nope", task)
    assert not bad.success and bad.valid and "password" in bad.message


@pytest.mark.parametrize(
    "text", ["", "{", "[1]", '{"product_id": 3}', '{"product_id": "B", "options": 1}']
)
def test_the_verifier_refuses_malformed_records(text):
    task, _ = _shop_task()
    verdict = verify_record(text, task)
    assert not verdict.valid and verdict.score == 0.0


def test_miniwob_records_cannot_be_graded_off_the_page():
    verdict = verify_record("anything", {"suite": "miniwob", "name": "click-button", "seed": 1})
    assert not verdict.valid and "miniwob" in verdict.message


PAGE = """Goal: buy it
URL: /item/B0X?q=a
Title: Shirt
[1] text 'Instruction: it\\'s a \\\\ test'
[2] heading 'Shirt'
  group 'size'
    [3] radio 'small' checked
    [4] radio 'large'
[5] combobox 'Country' value='Peru' options=['Chile', 'Peru', 'O\\'Hare']
[6] textbox 'Search' value='red shirt'
[7] button 'Buy Now'"""


def test_page_text_reads_back_into_elements():
    elements = parse_elements(PAGE)
    assert page_url(PAGE) == "/item/B0X?q=a"
    assert elements[0].name == "Instruction: it's a \\ test"
    group = elements[2]
    assert (group.id, group.role, group.depth) == (None, "group", 1)
    assert [(e.id, e.checked) for e in elements[3:5]] == [("3", True), ("4", False)]
    combo = find(elements, "combobox", "Country")
    assert combo.value == "Peru" and combo.options == ("Chile", "Peru", "O'Hare")
    assert find(elements, "textbox").value == "red shirt"
    assert find(elements, "button", "Buy Now").id == "7"
    assert find(elements, "link") is None
