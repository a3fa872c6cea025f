"""The shop's pages: search, results, product pages and Buy Now, as plain accessible HTML."""

from __future__ import annotations

import random
import re
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest

from cogym.core.errors import InvalidTaskError
from cogym.envs.web.catalogue import Catalogue, Product, generate_catalogue, generate_shop_task
from cogym.envs.web.server import Request, WebServer
from cogym.envs.web.shop_reward import Purchase, shop_reward
from cogym.envs.web.shop_site import ShopSite

PRICE = re.compile(r"^\$\d+\.\d\d$")
TASK = {
    "suite": "shop",
    "goal": "i am looking for a t-shirt that is cotton, and price lower than 30.00 dollars",
    "type": "t-shirt",
    "attributes": ["cotton"],
    "options": {},
    "price_upper": 30.0,
}


class Page(HTMLParser):
    """The parts of a page an accessibility tree shows: links, inputs, labels, buttons."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.inputs: list[dict[str, str]] = []
        self.labels: dict[str, str] = {}  # for -> text
        self.buttons: list[str] = []
        self.legends: list[str] = []
        self.forms: list[dict[str, str]] = []
        self.tags: list[str] = []
        self._open: list[tuple[str, dict[str, str], list[str]]] = []
        self.text_parts: list[str] = []
        self._in_body = False
        self.feed(html)
        self.text = " ".join(" ".join(self.text_parts).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append(tag)
        self._in_body = self._in_body or tag == "body"
        if tag == "input":
            self.inputs.append({**attributes, "form": str(len(self.forms) - 1)})
        elif tag == "form":
            self.forms.append(attributes)
        if tag in ("a", "label", "button", "legend"):
            self._open.append((tag, attributes, []))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            return
        _, attributes, parts = self._open.pop()
        text = "".join(parts).strip()
        if tag == "a":
            self.links.append((attributes["href"], text))
        elif tag == "label":
            self.labels[attributes["for"]] = text
        elif tag == "button":
            self.buttons.append(text)
        else:
            self.legends.append(text)

    def handle_data(self, data: str) -> None:
        if self._in_body:  # the page's text, not its <title> or <style>
            self.text_parts.append(data)
        for _, _, parts in self._open:
            parts.append(data)

    def link(self, text: str) -> str:
        """The href of the link reading ``text``."""
        hrefs = [href for href, shown in self.links if shown == text]
        assert len(hrefs) == 1, (text, self.links)
        return hrefs[0]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return generate_catalogue(0)


@pytest.fixture
def site(catalogue: Catalogue) -> ShopSite:
    site = ShopSite(catalogue)
    site.start(TASK)
    return site


def get(site: ShopSite, path: str) -> tuple[int, Page]:
    parts = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    response = site.handle(Request("GET", parts.path, query, {}))
    assert isinstance(response.body, str)
    return response.status, Page(response.body)


def post(site: ShopSite, path: str, form: dict[str, str]) -> tuple[int, Page]:
    response = site.handle(Request("POST", path, {}, {k: [v] for k, v in form.items()}))
    assert isinstance(response.body, str)
    return response.status, Page(response.body)


def assert_accessible(page: Page) -> None:
    """Every input is named by a <label for>, and no page loads anything from outside."""
    for control in page.inputs:
        assert control.get("id") in page.labels, control
        assert page.labels[control["id"]]
    assert not {"script", "img", "link", "iframe"} & set(page.tags)


def test_home_has_a_labelled_search_box_and_the_instruction(site: ShopSite) -> None:
    status, page = get(site, "/")
    assert status == 200
    assert page.text.startswith(f"Instruction: {TASK['goal']}")
    (box,) = page.inputs
    assert (box["name"], box["aria-label"], page.labels[box["id"]]) == ("q", "Search", "Search")
    assert page.buttons == ["Search"]
    assert page.forms == [{"method": "get", "action": "/search"}]
    assert_accessible(page)


def test_results_list_product_id_links_titles_and_prices(
    site: ShopSite, catalogue: Catalogue
) -> None:
    status, page = get(site, "/search?q=cotton+shirt&page=2")
    assert status == 200
    products, total = catalogue.search("cotton shirt", 2, 10)
    assert f"page 2 of {-(-total // 10)} ({total} results)" in page.text
    assert "Instruction: " in page.text
    results = [(href, text) for href, text in page.links if text.startswith("B0")]
    assert [text for _, text in results] == [p.id for p in products]
    for (href, _), product in zip(results, products, strict=True):
        assert href == f"/item/{product.id}?q=cotton+shirt&page=2"
        assert product.title in page.text
        assert f"${product.price:.2f}" in page.text
    assert page.link("< Prev") == "/search?q=cotton+shirt&page=1"
    assert page.link("Next >") == "/search?q=cotton+shirt&page=3"
    assert page.link("Back to Search") == "/"
    assert_accessible(page)


def test_the_first_and_last_pages_have_no_link_past_the_end(
    site: ShopSite, catalogue: Catalogue
) -> None:
    _, total = catalogue.search("cotton shirt", 1, 10)
    last = -(-total // 10)
    _, first = get(site, "/search?q=cotton+shirt")
    assert "< Prev" not in [text for _, text in first.links]
    assert "Next >" in [text for _, text in first.links]
    _, end = get(site, f"/search?q=cotton+shirt&page={last + 5}")  # clamped to the last page
    assert f"page {last} of {last}" in end.text
    assert "Next >" not in [text for _, text in end.links]
    _, nothing = get(site, "/search?q=zebra&page=x")
    assert "page 1 of 1 (0 results)" in nothing.text


def test_product_page_shows_price_attributes_and_option_radios_in_the_buy_form(
    site: ShopSite, catalogue: Catalogue
) -> None:
    product = next(p for p in catalogue.products if len(p.options) == 2)
    status, page = get(site, f"/item/{product.id}?q=red&page=3")
    assert status == 200
    assert f"Price: ${product.price:.2f}" in page.text
    assert PRICE.match(f"${product.price:.2f}")
    assert product.title in page.text and product.description in page.text
    assert all(attribute in page.text for attribute in product.attributes)
    assert page.legends == [name for name, _ in product.options]
    radios = [(i["name"], i["value"], page.labels[i["id"]]) for i in page.inputs]
    assert radios == [(n, v, v) for n, values in product.options for v in values]
    assert all(i["type"] == "radio" for i in page.inputs)
    assert page.forms == [{"method": "post", "action": f"/buy/{product.id}"}]
    assert {i["form"] for i in page.inputs} == {"0"}  # the radios belong to the Buy Now form
    assert page.buttons == ["Buy Now"]
    assert page.link("< Prev") == "/search?q=red&page=3"
    assert_accessible(page)


def test_buy_now_records_the_first_purchase_with_its_options(
    site: ShopSite, catalogue: Catalogue
) -> None:
    product = next(p for p in catalogue.products if len(p.options) == 2)
    (first, values), (second, _) = product.options
    status, page = post(site, f"/buy/{product.id}", {first: values[-1]})
    assert status == 200
    assert "Thank you for shopping" in page.text
    assert site.purchase == Purchase(product.id, {first: values[-1], second: ""})
    other = next(p for p in catalogue.products if p.id != product.id)
    _, again = post(site, f"/buy/{other.id}", {})
    assert "already placed" in again.text
    assert site.purchase.product_id == product.id  # only the first purchase counts


def test_start_sets_the_goal_and_clears_the_purchase(site: ShopSite, catalogue: Catalogue) -> None:
    post(site, f"/buy/{catalogue.products[0].id}", {})
    goal = "i am looking for a hoodie, and price lower than 99.00 dollars"
    assert site.start({**TASK, "goal": goal, "type": "hoodie"}) == "/"
    assert site.purchase is None
    assert get(site, "/")[1].text.startswith(f"Instruction: {goal}")
    with pytest.raises(InvalidTaskError, match="goal"):
        site.start({**TASK, "goal": ""})


def test_unknown_pages_and_products_are_404_and_buy_needs_post(
    site: ShopSite, catalogue: Catalogue
) -> None:
    assert get(site, "/nowhere")[0] == 404
    assert get(site, "/item/B0NOTHERE0")[0] == 404
    assert post(site, "/buy/B0NOTHERE0", {})[0] == 404
    assert get(site, f"/buy/{catalogue.products[0].id}")[0] == 405
    assert post(site, "/search", {"q": "x"})[0] == 405
    assert site.purchase is None


def test_everything_shown_is_escaped() -> None:
    evil = Product(
        "B0EVIL0001",
        "t-shirt",
        "<script>alert(1)</script> Tee",
        ("<b>bold</b>",),
        (("size", ("'><i>x",)),),
        9.5,
        "a & b",
    )
    site = ShopSite(Catalogue((evil,)))
    site.start({**TASK, "goal": "find <img src=x> & buy"})
    for path in ("/", "/search?q=%3Cscript%3E+tee", "/item/B0EVIL0001?q=%22%3E%3Cb%3E"):
        body = site.handle(
            Request("GET", *_split(path), {}),
        ).body
        assert isinstance(body, str)
        assert "<script>" not in body and "<img" not in body and "<b>" not in body
        assert "<i>" not in body
    body = site.handle(Request("GET", "/item/B0EVIL0001", {}, {})).body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tee" in body and "a &amp; b" in body


def _split(path: str) -> tuple[str, dict[str, list[str]]]:
    parts = urllib.parse.urlsplit(path)
    return parts.path, urllib.parse.parse_qs(parts.query, keep_blank_values=True)


def test_a_generated_task_is_solved_over_http(catalogue: Catalogue) -> None:
    """Search, open the target from the results, pick its options and buy: reward 1.0."""
    task = generate_shop_task(random.Random(4), catalogue)
    site = ShopSite(catalogue)
    server = WebServer(site)
    try:
        start = site.start(task)
        with urllib.request.urlopen(server.base_url + start, timeout=10) as response:
            assert task["goal"] in response.read().decode()
        query = " ".join([task["type"], *task["attributes"]])
        href = None
        for page_number in range(1, 6):
            search = urllib.parse.urlencode({"q": query, "page": page_number})
            with urllib.request.urlopen(f"{server.base_url}/search?{search}", timeout=10) as r:
                page = Page(r.read().decode())
            found = [h for h, text in page.links if text == task["product_id"]]
            if found:
                href = found[0]
                break
        assert href is not None
        with urllib.request.urlopen(server.base_url + href, timeout=10) as response:
            item = Page(response.read().decode())
        action = item.forms[0]["action"]
        form = urllib.parse.urlencode(task["options"]).encode()
        with urllib.request.urlopen(server.base_url + action, data=form, timeout=10) as response:
            assert "Thank you for shopping" in response.read().decode()
        assert shop_reward(task, catalogue, site.purchase)[0] == 1.0
    finally:
        server.close()
