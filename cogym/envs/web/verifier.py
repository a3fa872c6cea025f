"""Grade what an agent sent to a web site, without a browser or a server.

The site records a purchase or a form submission; this module grades such a record, so
a trainer or a replay can score it without the env:

- shop: JSON ``{"product_id": "B0...", "options": {"size": "large"}}`` (what "Buy Now"
  sends), scored by :func:`~cogym.envs.web.shop_reward.shop_reward` over the catalogue of
  ``catalogue_seed`` and ``products``;
- forms: the submitted form, URL-encoded (``username=kalani&password=x7-Birch``), or
  ``link=<text>`` for a link task, checked by
  :func:`~cogym.envs.web.forms_tasks.check_forms_submission`.

A MiniWoB++ task is scored by its own page only; its records are refused as invalid.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from cogym.core.verdict import Verdict
from cogym.envs.web.catalogue import generate_catalogue
from cogym.envs.web.forms_tasks import check_forms_submission
from cogym.envs.web.shop_reward import Purchase, shop_reward


def _invalid(message: str) -> Verdict:
    return Verdict(0.0, False, "invalid_record", message, valid=False)


def _purchase(text: str) -> Purchase | None:
    try:
        record = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, Mapping) or not isinstance(record.get("product_id"), str):
        return None
    options = record.get("options", {})
    if not isinstance(options, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in options.items()
    ):
        return None
    return Purchase(product_id=record["product_id"], options=dict(options))


def verify_record(
    text: str, task: Mapping[str, Any], *, catalogue_seed: int = 0, products: int = 1000
) -> Verdict:
    """Grade a purchase (shop) or a form submission (forms) for ``task``.

    :param text: the record, in the form the module docstring gives.
    :param task: the task, in the suite's schema.
    :param catalogue_seed: the shop catalogue's seed (the env's kwarg).
    :param products: the shop catalogue's size (the env's kwarg).
    """
    suite = task.get("suite")
    if suite == "shop":
        purchase = _purchase(text)
        if purchase is None:
            return _invalid(
                'a shop record is JSON like {"product_id": "B0ABC12345", "options": '
                '{"size": "large"}}'
            )
        reward, parts = shop_reward(task, generate_catalogue(catalogue_seed, products), purchase)
        return Verdict(
            reward,
            reward >= 1.0,
            "purchased",
            f"reward {reward:.3f}",
            answer=purchase.product_id,
            details=parts,
        )
    if suite == "forms":
        form = parse_qs(text.strip(), keep_blank_values=True)
        if not form:
            return _invalid("a forms record is the URL-encoded form, e.g. name=value&other=value")
        correct, detail = check_forms_submission(task, form)
        return Verdict(
            1.0 if correct else 0.0, correct, "submitted", detail, details={"detail": detail}
        )
    return _invalid(f"only shop and forms records can be graded off the page; got suite {suite!r}")
