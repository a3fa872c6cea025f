"""The shop catalogue: seeded generation, unique ids, word search, and shop tasks."""

from __future__ import annotations

import random
import re

import pytest

from cogym.core.errors import InvalidArgumentError, InvalidTaskError
from cogym.envs.web.catalogue import (
    PRODUCT_TYPES,
    Catalogue,
    Product,
    generate_catalogue,
    generate_shop_task,
    tokens,
    validate_shop_task,
)

ID = re.compile(r"^B0[A-Z0-9]{8}$")
TYPES = {kind.name: kind for kind in PRODUCT_TYPES}


def _product(
    product_id: str, title: str, description: str = "", type_name: str = "t-shirt"
) -> Product:
    return Product(product_id, type_name, title, ("cotton",), (), 10.0, description)


def test_same_seed_gives_the_same_catalogue_and_tasks() -> None:
    build = generate_catalogue.__wrapped__  # bypass the cache: two real generations
    one, two = build(7, 400), build(7, 400)
    assert one is not two
    assert one.products == two.products
    tasks_one = [generate_shop_task(random.Random(i), one) for i in range(50)]
    tasks_two = [generate_shop_task(random.Random(i), two) for i in range(50)]
    assert tasks_one == tasks_two
    assert generate_catalogue(7, 400) is generate_catalogue(7, 400)  # cached


def test_different_seeds_or_sizes_give_different_catalogues() -> None:
    base = generate_catalogue(1, 300).products
    assert generate_catalogue(2, 300).products != base
    assert {p.id for p in generate_catalogue(2, 300).products}.isdisjoint({p.id for p in base})
    assert generate_catalogue(1, 301).products[:300] != base


def test_ids_are_unique_and_shaped_like_asins() -> None:
    catalogue = generate_catalogue(0, 3000)
    ids = [p.id for p in catalogue.products]
    assert len(set(ids)) == len(ids) == 3000
    assert all(ID.match(product_id) for product_id in ids)
    assert all(catalogue.by_id(p.id) is p for p in catalogue.products)
    assert catalogue.by_id("B0NOTHERE0") is None


def test_the_default_catalogue_covers_every_type_and_category() -> None:
    catalogue = generate_catalogue(0)
    assert len(catalogue) == 1000
    assert 20 <= len(PRODUCT_TYPES) <= 30
    assert {kind.category for kind in PRODUCT_TYPES} >= {
        "clothing",
        "shoes",
        "electronics",
        "home",
        "beauty",
        "grocery",
    }
    counts = {name: 0 for name in TYPES}
    for product in catalogue.products:
        counts[product.type] += 1
    assert min(counts.values()) >= 30  # many products of each type


def test_products_draw_from_their_types_vocabulary() -> None:
    for product in generate_catalogue(0).products:
        kind = TYPES[product.type]
        assert 2 <= len(product.attributes) <= 4
        assert set(product.attributes) <= set(kind.attributes)
        assert [name for name, _ in product.options] == [name for name, _ in kind.options]
        for name, values in product.options:
            assert len(values) >= 2
            assert set(values) <= set(dict(kind.options)[name])
            assert product.option_values(name) == values
        low, high = kind.price_range
        assert low <= product.price <= high
        assert round(product.price, 2) == product.price
        assert kind.noun in product.title


def test_many_products_share_a_tasks_type_and_attributes() -> None:
    catalogue = generate_catalogue(0)
    rng = random.Random(5)
    lookalikes = []
    for _ in range(100):
        task = generate_shop_task(rng, catalogue)
        lookalikes.append(
            sum(
                p.type == task["type"] and set(task["attributes"]) <= set(p.attributes)
                for p in catalogue.products
            )
        )
    assert sum(n > 1 for n in lookalikes) >= 60


def test_tokens_drop_stopwords_and_single_characters() -> None:
    assert tokens("I need a Machine-Washable t-shirt, in RED; 40.00 dollars") == [
        "machine",
        "washable",
        "shirt",
        "red",
        "40",
        "00",
    ]


def test_search_ranks_by_shared_words_then_by_id() -> None:
    catalogue = Catalogue(
        (
            _product("B0CCCCCCCC", "Red Cotton Shirt"),
            _product("B0AAAAAAAA", "Blue Shirt"),
            _product("B0BBBBBBBB", "Red Shirt"),
            _product("B0DDDDDDDD", "Green Hat", "no match here", type_name="hat"),
        )
    )
    ranked = [p.id for p in catalogue.ranked("red shirt")]
    # "shirt" is in every t-shirt's type; red shirts first (ties by id), the hat never.
    assert ranked == ["B0BBBBBBBB", "B0CCCCCCCC", "B0AAAAAAAA"]
    assert [p.id for p in catalogue.ranked("the and")] == sorted(p.id for p in catalogue.products)
    assert catalogue.ranked("zebra") == []


def test_search_pages_split_the_ranking() -> None:
    catalogue = generate_catalogue(0)
    ranked = catalogue.ranked("cotton slim fit")
    pages = []
    for page in range(1, 100):
        products, total = catalogue.search("cotton slim fit", page, 7)
        assert total == len(ranked)
        if not products:
            break
        pages.extend(products)
    assert pages == ranked
    assert catalogue.search("cotton slim fit", 10_000, 7) == ([], len(ranked))
    with pytest.raises(InvalidArgumentError, match="page"):
        catalogue.search("cotton", 0, 10)
    with pytest.raises(InvalidArgumentError, match="per_page"):
        catalogue.search("cotton", 1, 0)


def test_searching_the_task_words_finds_the_target_near_but_not_always_at_the_top() -> None:
    catalogue = generate_catalogue(0)
    ranks = []
    for index in range(200):
        task = generate_shop_task(random.Random(index), catalogue)
        query = " ".join([task["type"], *task["attributes"]])
        ranked = catalogue.ranked(query)
        rank = [p.id for p in ranked].index(task["product_id"])
        best = len(set(tokens(query)))  # the target has every query word
        assert all(len(set(tokens(query)) & set(tokens(_text(p)))) == best for p in ranked[:rank])
        ranks.append(rank)
    assert max(ranks) < 50  # always within the first five pages of ten
    assert sum(rank < 10 for rank in ranks) >= 0.6 * len(ranks)  # usually on the first page
    assert sum(rank == 0 for rank in ranks) <= 0.5 * len(ranks)  # but often not on top


def _text(product: Product) -> str:
    return " ".join((product.title, product.type, *product.attributes, product.description))


def test_generated_tasks_describe_their_target() -> None:
    catalogue = generate_catalogue(3)
    rng = random.Random(0)
    option_counts = set()
    for _ in range(200):
        task = generate_shop_task(rng, catalogue)
        product = catalogue.by_id(task["product_id"])
        assert product is not None
        assert task["suite"] == "shop"
        assert task["type"] == product.type
        assert 1 <= len(task["attributes"]) <= 3
        assert set(task["attributes"]) <= set(product.attributes)
        assert len(task["options"]) <= 2
        option_counts.add(len(task["options"]))
        for name, value in task["options"].items():
            assert value in product.option_values(name)
        assert product.price < task["price_upper"]
        goal = task["goal"]
        assert goal.startswith("i am looking for ")
        assert task["type"] in goal
        assert all(attribute in goal for attribute in task["attributes"])
        assert all(f"{n}: {v}" in goal for n, v in task["options"].items())
        assert goal.endswith(f"price lower than {task['price_upper']:.2f} dollars")
        assert validate_shop_task(task) == task
    assert option_counts == {0, 1, 2}


def test_validate_shop_task_returns_a_clean_copy() -> None:
    task = {
        "suite": "shop",
        "goal": "buy a shirt",
        "type": "t-shirt",
        "attributes": ("cotton",),
        "options": {"size": "large"},
        "price_upper": 30,
    }
    clean = validate_shop_task(task)
    assert clean == {**task, "attributes": ["cotton"], "price_upper": 30.0}
    assert isinstance(clean["price_upper"], float)
    assert "product_id" not in clean


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"suite": "forms"}, "suite"),
        ({"goal": " "}, "goal"),
        ({"type": 3}, "type"),
        ({"attributes": "cotton"}, "attributes"),
        ({"attributes": ["cotton", ""]}, "attributes"),
        ({"options": ["size"]}, "options"),
        ({"options": {"size": ""}}, "options"),
        ({"price_upper": -1.0}, "price_upper"),
        ({"price_upper": True}, "price_upper"),
        ({"price_upper": float("nan")}, "price_upper"),
        ({"product_id": 12}, "product_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_validate_shop_task_names_the_bad_key(change: dict, named: str) -> None:
    task = {
        "suite": "shop",
        "goal": "buy a shirt",
        "type": "t-shirt",
        "attributes": ["cotton"],
        "options": {},
        "price_upper": 30.0,
    }
    with pytest.raises(InvalidTaskError, match=named):
        validate_shop_task({**task, **change})


def test_validate_shop_task_names_a_missing_key() -> None:
    with pytest.raises(InvalidTaskError, match="price_upper"):
        validate_shop_task(
            {"suite": "shop", "goal": "g", "type": "t", "attributes": [], "options": {}}
        )


def test_bad_arguments_say_what_to_pass() -> None:
    with pytest.raises(InvalidArgumentError, match="integer seed"):
        generate_catalogue(True)
    with pytest.raises(InvalidArgumentError, match="size"):
        generate_catalogue(0, 0)
    with pytest.raises(InvalidArgumentError, match="unique ids"):
        Catalogue((_product("B0AAAAAAAA", "a"), _product("B0AAAAAAAA", "b")))
    with pytest.raises(InvalidArgumentError, match="catalogue with products"):
        generate_shop_task(random.Random(0), Catalogue(()))
