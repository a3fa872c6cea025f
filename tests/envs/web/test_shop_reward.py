"""The shop's WebShop-style reward, on generated tasks and on hand-computed cases."""

from __future__ import annotations

import random

import pytest

from cogym.envs.web.catalogue import Catalogue, Product, generate_catalogue, generate_shop_task
from cogym.envs.web.shop_reward import Purchase, shop_reward

SHIRT_OPTIONS = (("size", ("small", "large")), ("color", ("red", "blue")))
CATALOGUE = Catalogue(
    (
        Product(
            "B0SHIRT001", "t-shirt", "Cotton Tee", ("cotton", "slim fit"), SHIRT_OPTIONS, 20.0, ""
        ),
        Product(
            "B0SHIRT002", "t-shirt", "Organic Tee", ("cotton", "organic"), SHIRT_OPTIONS, 30.0, ""
        ),
        Product(
            "B0HOODIE01", "hoodie", "Cotton Hoodie", ("cotton", "organic"), SHIRT_OPTIONS, 20.0, ""
        ),
    )
)
TASK = {
    "suite": "shop",
    "goal": "i am looking for a t-shirt that is cotton and organic, with size: large, "
    "and price lower than 25.00 dollars",
    "type": "t-shirt",
    "attributes": ["cotton", "organic"],
    "options": {"size": "large"},
    "price_upper": 25.0,
}


def test_buying_each_generated_tasks_target_with_its_options_scores_one() -> None:
    catalogue = generate_catalogue(11)
    rng = random.Random(11)
    for _ in range(300):
        task = generate_shop_task(rng, catalogue)
        reward, details = shop_reward(
            task, catalogue, Purchase(task["product_id"], task["options"])
        )
        assert reward == 1.0, (task, details)
        assert details == {
            "type_match": True,
            "attributes_matched": len(task["attributes"]),
            "options_matched": len(task["options"]),
            "price_ok": True,
            "product_id": task["product_id"],
        }


def test_one_of_two_attributes_wrong_gives_the_exact_fraction() -> None:
    reward, details = shop_reward(TASK, CATALOGUE, Purchase("B0SHIRT001", {"size": "large"}))
    assert reward == 3 / 4  # cotton + size + price, of 2 attributes + 1 option + 1
    assert details["attributes_matched"] == 1
    assert details["options_matched"] == 1
    assert details["price_ok"] is True


def test_a_price_over_the_budget_loses_its_share() -> None:
    reward, details = shop_reward(TASK, CATALOGUE, Purchase("B0SHIRT002", {"size": "large"}))
    assert reward == 3 / 4  # both attributes and the size, but $30.00 > $25.00
    assert details["price_ok"] is False


def test_a_price_equal_to_the_budget_is_within_it() -> None:
    task = {**TASK, "price_upper": 30.0}
    assert shop_reward(task, CATALOGUE, Purchase("B0SHIRT002", {"size": "large"}))[0] == 1.0


def test_a_missing_or_wrong_option_counts_as_not_matched() -> None:
    for options in ({"size": ""}, {}, {"size": "small"}, {"color": "large"}):
        reward, details = shop_reward(TASK, CATALOGUE, Purchase("B0SHIRT001", options))
        assert reward == 2 / 4  # cotton + price
        assert details["options_matched"] == 0


def test_the_wrong_type_scores_zero_whatever_else_matches() -> None:
    reward, details = shop_reward(TASK, CATALOGUE, Purchase("B0HOODIE01", {"size": "large"}))
    assert reward == 0.0
    assert details == {
        "type_match": False,
        "attributes_matched": 2,
        "options_matched": 1,
        "price_ok": True,
        "product_id": "B0HOODIE01",
    }


def test_a_task_without_options_divides_by_attributes_plus_one() -> None:
    task = {**TASK, "attributes": ["cotton", "slim fit", "organic"], "options": {}}
    assert shop_reward(task, CATALOGUE, Purchase("B0SHIRT001", {}))[0] == 3 / 4


@pytest.mark.parametrize("purchase", [None, Purchase("B0NOTHERE0", {"size": "large"})])
def test_nothing_or_an_unknown_product_scores_zero(purchase: Purchase | None) -> None:
    reward, details = shop_reward(TASK, CATALOGUE, purchase)
    assert reward == 0.0
    assert details["type_match"] is False
    assert details["product_id"] == (purchase.product_id if purchase else "")
