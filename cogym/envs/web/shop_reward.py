"""The shop's reward for a purchase, WebShop style.

``reward = type_match * (attribute matches + option matches + price_ok)
/ (len(attributes) + len(options) + 1)``; success is a reward of exactly 1.0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cogym.envs.web.catalogue import Catalogue


@dataclass
class Purchase:
    """What the agent bought: a product id and the option values it picked.

    :param product_id: the id of the product bought.
    :param options: option name -> the chosen value; ``""`` for an option left unpicked.
    """

    product_id: str
    options: dict[str, str] = field(default_factory=dict)


def shop_reward(
    task: Mapping[str, Any], catalogue: Catalogue, purchase: Purchase | None
) -> tuple[float, dict[str, Any]]:
    """Score ``purchase`` against ``task``.

    :param task: a shop task (see :func:`cogym.envs.web.catalogue.validate_shop_task`).
    :param catalogue: the shop the purchase was made in.
    :param purchase: what was bought, or ``None`` when nothing was (reward 0.0).
    :return: the reward in ``[0, 1]`` and the details: ``type_match`` and ``price_ok``
        (bools), ``attributes_matched`` and ``options_matched`` (counts) and
        ``product_id`` (``""`` when nothing was bought). An unknown product scores 0.0.
    """
    details: dict[str, Any] = {
        "type_match": False,
        "attributes_matched": 0,
        "options_matched": 0,
        "price_ok": False,
        "product_id": purchase.product_id if purchase is not None else "",
    }
    product = catalogue.by_id(purchase.product_id) if purchase is not None else None
    if purchase is None or product is None:
        return 0.0, details
    attributes = list(task["attributes"])
    options: Mapping[str, str] = task["options"]
    details["type_match"] = product.type == task["type"]
    details["attributes_matched"] = sum(a in product.attributes for a in attributes)
    details["options_matched"] = sum(
        purchase.options.get(name, "") == value for name, value in options.items()
    )
    details["price_ok"] = product.price <= task["price_upper"]
    if not details["type_match"]:
        return 0.0, details
    matched = details["attributes_matched"] + details["options_matched"] + details["price_ok"]
    return matched / (len(attributes) + len(options) + 1), details
