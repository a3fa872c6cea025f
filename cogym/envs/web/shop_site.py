"""The shop's web pages: search, results with pages, product pages and "Buy Now".

Plain HTML with no script: forms and links only. Every page shows the instruction.
Every input has a ``<label for>``, options are radio groups in a ``<fieldset>`` with a
``<legend>``, result links read exactly the product id, and prices read ``$12.34``, so
the accessibility tree names everything an agent needs. The first ``POST /buy/<id>`` of
an episode is kept in :attr:`ShopSite.purchase`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import urlencode

from cogym.core.checks import check_int
from cogym.envs.web.catalogue import Catalogue, Product, validate_shop_task
from cogym.envs.web.server import Request, Response, error_page, not_found
from cogym.envs.web.shop_reward import Purchase

START_PATH = "/"
_STYLE = "body{font-family:sans-serif;margin:16px;max-width:720px}li{margin:8px 0}"


def price_text(price: float) -> str:
    """A price as the shop shows it, e.g. ``"$12.34"``."""
    return f"${price:.2f}"


def _first(values: Mapping[str, list[str]], key: str) -> str:
    found = values.get(key)
    return found[0] if found else ""


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < len(text) < 7 else 1


def _search_path(query: str, page: int) -> str:
    return "/search?" + urlencode({"q": query, "page": page})


class ShopSite:
    """The shop over ``catalogue``, served by a :class:`~cogym.envs.web.server.WebServer`.

    :param catalogue: the products on sale.
    :param per_page: search results per page.
    """

    def __init__(self, catalogue: Catalogue, per_page: int = 10) -> None:
        self.catalogue = catalogue
        self.per_page = check_int("per_page", per_page, minimum=1, maximum=100)
        self.goal = ""
        #: The first purchase of the episode; ``None`` until "Buy Now" is pressed.
        self.purchase: Purchase | None = None
        self._lock = threading.Lock()

    def start(self, task: Mapping[str, Any]) -> str:
        """Begin an episode of ``task``: show its goal, forget any purchase.

        :return: the path of the start page.
        """
        goal = validate_shop_task(task)["goal"]
        with self._lock:
            self.goal = goal
            self.purchase = None
        return START_PATH

    def handle(self, request: Request) -> Response:
        """Answer one request (see the module docstring for the pages)."""
        path = request.path
        if path.startswith("/buy/"):
            if request.method != "POST":
                return error_page(405, "Use Buy Now", "Buy from a product page's Buy Now button.")
            return self._buy(path.removeprefix("/buy/"), request.form)
        if request.method != "GET":
            return error_page(405, "Method not allowed", f"{path} only answers GET.")
        if path == "/":
            return self._home()
        if path == "/search":
            query = _first(request.query, "q")
            return self._results(query, _page_number(_first(request.query, "page")))
        if path.startswith("/item/"):
            product = self.catalogue.by_id(path.removeprefix("/item/"))
            if product is None:
                return not_found(path)
            return self._item(product, request.query)
        return not_found(path)

    def _page(self, title: str, body: str) -> Response:
        with self._lock:
            goal = self.goal or "(no task yet)"
        html = (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>"
            f"<p>Instruction: {escape(goal)}</p>{body}</body></html>"
        )
        return Response(body=html)

    def _home(self) -> Response:
        form = (
            "<h1>Shop</h1><form method='get' action='/search'>"
            "<label for='search-q'>Search</label> "
            "<input type='text' id='search-q' name='q' aria-label='Search'> "
            "<button type='submit'>Search</button></form>"
        )
        return self._page("Shop", form)

    def _results(self, query: str, page: int) -> Response:
        _, total = self.catalogue.search(query, 1, self.per_page)
        pages = max(1, math.ceil(total / self.per_page))
        page = min(page, pages)
        products, _ = self.catalogue.search(query, page, self.per_page)
        back = f"?{urlencode({'q': query, 'page': page})}"
        items = "".join(
            f"<li><a href='/item/{escape(p.id)}{escape(back)}'>{escape(p.id)}</a>"
            f"<div>{escape(p.title)}</div><div>{price_text(p.price)}</div></li>"
            for p in products
        )
        nav = []
        if page > 1:
            nav.append(f"<a href='{escape(_search_path(query, page - 1))}'>&lt; Prev</a>")
        if page < pages:
            nav.append(f"<a href='{escape(_search_path(query, page + 1))}'>Next &gt;</a>")
        body = (
            "<p><a href='/'>Back to Search</a></p><h1>Search results</h1>"
            f"<p>Results for &quot;{escape(query)}&quot;: page {page} of {pages} "
            f"({total} results)</p><ul>{items}</ul><p>{' '.join(nav)}</p>"
        )
        return self._page("Search results", body)

    def _item(self, product: Product, query: Mapping[str, list[str]]) -> Response:
        if "q" in query:
            prev = _search_path(_first(query, "q"), _page_number(_first(query, "page")))
        else:
            prev = "/"
        fieldsets = []
        for i, (name, values) in enumerate(product.options):
            radios = "".join(
                f"<input type='radio' name='{escape(name)}' value='{escape(value)}' "
                f"id='opt-{i}-{j}'><label for='opt-{i}-{j}'>{escape(value)}</label> "
                for j, value in enumerate(values)
            )
            fieldsets.append(f"<fieldset><legend>{escape(name)}</legend>{radios}</fieldset>")
        attributes = "".join(f"<li>{escape(a)}</li>" for a in product.attributes)
        body = (
            f"<p><a href='{escape(prev)}'>&lt; Prev</a> <a href='/'>Back to Search</a></p>"
            f"<h1>{escape(product.title)}</h1>"
            f"<p>Product id: {escape(product.id)}</p><p>Type: {escape(product.type)}</p>"
            f"<p>Price: {price_text(product.price)}</p>"
            f"<h2>Attributes</h2><ul>{attributes}</ul>"
            f"<h2>Description</h2><p>{escape(product.description)}</p>"
            f"<form method='post' action='/buy/{escape(product.id)}'>{''.join(fieldsets)}"
            "<button type='submit'>Buy Now</button></form>"
        )
        return self._page(product.title, body)

    def _buy(self, product_id: str, form: Mapping[str, list[str]]) -> Response:
        product = self.catalogue.by_id(product_id)
        if product is None:
            return not_found(f"/buy/{product_id}")
        chosen = {name: _first(form, name) for name, _ in product.options}
        with self._lock:
            first = self.purchase is None
            if self.purchase is None:
                self.purchase = Purchase(product_id=product.id, options=chosen)
            bought = self.purchase
        picked = ", ".join(f"{name}: {value or '(none)'}" for name, value in bought.options.items())
        line = f"You bought {bought.product_id}" + (f" with {picked}." if picked else ".")
        if not first:
            line = f"Your order was already placed. {line} Only the first purchase counts."
        body = f"<h1>Thank you for shopping with us!</h1><p>{escape(line)}</p>"
        return self._page("Thank you for shopping", body)
