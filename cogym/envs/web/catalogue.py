"""The shop's product catalogue and its tasks, generated from a seed.

:func:`generate_catalogue` makes ``size`` products over :data:`PRODUCT_TYPES` (29 types
in six categories), each product with 2-4 of its type's attributes, a subset of its
type's option values, a price and a description. Many products share a type and
attributes, titles name only some attributes, and descriptions may mention attributes a
product lacks, so an agent has to search and then read product pages.

:func:`generate_shop_task` picks a target product and asks for its type, 1-3 of its
attributes, a value for 0-2 of its options and a price ceiling above its price, in
WebShop's words. A search for the type and attributes always ranks the target among the
best-scoring results, though not always first.
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cogym.core.checks import check_int, is_int
from cogym.core.errors import InvalidArgumentError, InvalidTaskError
from cogym.core.tasks import check_task_keys, short_repr

DEFAULT_SIZE = 1000
MAX_SIZE = 100_000
ID_PREFIX = "B0"
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ID_LENGTH = 8
MAX_TASK_ATTRIBUTES = 3
MAX_TASK_OPTIONS = 2

#: Words that carry no meaning for search (dropped from queries and product text alike).
# fmt: off
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "i", "in", "is", "it",
    "its", "me", "my", "need", "of", "on", "or", "our", "than", "that", "the", "this", "to",
    "want", "was", "we", "with", "you", "looking", "am", "lower", "price", "dollars",
})
# fmt: on

_WORD = re.compile(r"[a-z0-9]+")
_COLORS = ("black", "white", "red", "blue", "green", "gray", "navy", "pink", "beige", "yellow")
_SIZES = ("xs", "small", "medium", "large", "x-large", "xx-large")
_SHOE_SIZES = ("6", "7", "8", "9", "10", "11", "12")


@dataclass(frozen=True)
class ProductType:
    """One kind of product and the vocabulary its products draw from.

    :param name: the type as tasks name it, e.g. ``"t-shirt"``.
    :param category: the shop department, e.g. ``"clothing"``.
    :param noun: the type's name in titles, e.g. ``"T-Shirt"``.
    :param attributes: the attributes a product of this type may have.
    :param options: option name -> the values products of this type may offer.
    :param price_range: the lowest and highest price, in dollars.
    :param blurbs: sentences for descriptions.
    """

    name: str
    category: str
    noun: str
    attributes: tuple[str, ...]
    options: tuple[tuple[str, tuple[str, ...]], ...]
    price_range: tuple[float, float]
    blurbs: tuple[str, ...]


def _type(
    name: str,
    category: str,
    noun: str,
    attributes: str,
    options: dict[str, tuple[str, ...]],
    price_range: tuple[float, float],
    blurbs: tuple[str, ...],
) -> ProductType:
    return ProductType(
        name=name,
        category=category,
        noun=noun,
        attributes=tuple(a.strip() for a in attributes.split(",")),
        options=tuple(options.items()),
        price_range=price_range,
        blurbs=blurbs,
    )


_WEAR = ("Soft against the skin and easy to care for.", "A wardrobe staple for every season.")
_FOOT = ("Built for all-day comfort.", "A secure fit from the first step.")
_TECH = ("Works with most phones, tablets and laptops.", "Backed by a one-year warranty.")
_HOME = ("Fits any room and any style.", "Made to last through daily use.")
_CARE = ("Dermatologist tested.", "Gentle enough for daily use.")
_FOOD = ("Packed fresh and sealed for flavor.", "A pantry favorite.")

#: Every product type in the shop, by category.
PRODUCT_TYPES: tuple[ProductType, ...] = (
    _type("t-shirt", "clothing", "T-Shirt",
          "cotton, machine washable, short sleeve, long sleeve, slim fit, relaxed fit, "
          "moisture wicking, crew neck, v-neck, organic",
          {"size": _SIZES, "color": _COLORS}, (8.0, 45.0), _WEAR),
    _type("hoodie", "clothing", "Hoodie",
          "fleece, cotton, machine washable, zip up, pullover, relaxed fit, heavyweight, recycled",
          {"size": _SIZES, "color": _COLORS}, (20.0, 80.0), _WEAR),
    _type("jeans", "clothing", "Jeans",
          "slim fit, straight leg, stretch, high waist, relaxed fit, distressed, cotton, "
          "machine washable",
          {"waist": ("28", "30", "32", "34", "36", "38"),
           "color": ("light wash", "dark wash", "black", "gray")}, (25.0, 90.0), _WEAR),
    _type("socks", "clothing", "Socks",
          "cotton, wool, moisture wicking, cushioned, ankle, crew, no show, machine washable",
          {"size": ("small", "medium", "large"), "pack": ("3 pack", "6 pack", "12 pack")},
          (6.0, 30.0), _WEAR),
    _type("dress shirt", "clothing", "Dress Shirt",
          "cotton, wrinkle free, slim fit, regular fit, long sleeve, button down, stretch, "
          "machine washable",
          {"size": _SIZES, "color": ("white", "blue", "pink", "gray", "black")},
          (20.0, 70.0), _WEAR),
    _type("running shoes", "shoes", "Running Shoes",
          "lightweight, breathable, cushioned, non slip, wide, waterproof, mesh, arch support",
          {"size": _SHOE_SIZES, "color": _COLORS}, (40.0, 160.0), _FOOT),
    _type("hiking boots", "shoes", "Hiking Boots",
          "waterproof, leather, ankle support, non slip, insulated, lightweight, wide, steel toe",
          {"size": _SHOE_SIZES, "color": ("brown", "black", "gray", "tan")},
          (50.0, 200.0), _FOOT),
    _type("sandals", "shoes", "Sandals",
          "leather, arch support, adjustable strap, waterproof, lightweight, non slip, cushioned",
          {"size": _SHOE_SIZES, "color": ("brown", "black", "tan", "white")},
          (15.0, 80.0), _FOOT),
    _type("wireless earbuds", "electronics", "Wireless Earbuds",
          "bluetooth, noise cancelling, waterproof, long battery life, fast charging, "
          "touch control, microphone",
          {"color": ("black", "white", "blue", "red")}, (20.0, 200.0), _TECH),
    _type("phone charger", "electronics", "Phone Charger",
          "fast charging, usb c, wireless, dual port, foldable plug, compact, braided cable",
          {"length": ("3 ft", "6 ft", "10 ft"), "pack": ("1 pack", "2 pack", "3 pack")},
          (8.0, 45.0), _TECH),
    _type("hdmi cable", "electronics", "HDMI Cable",
          "4k, 8k, high speed, braided, gold plated, ethernet, flexible",
          {"length": ("3 ft", "6 ft", "10 ft", "15 ft")}, (6.0, 35.0), _TECH),
    _type("bluetooth speaker", "electronics", "Bluetooth Speaker",
          "portable, waterproof, long battery life, bass boost, rugged, stereo, microphone",
          {"color": ("black", "blue", "red", "gray", "green")}, (20.0, 150.0), _TECH),
    _type("usb flash drive", "electronics", "USB Flash Drive",
          "usb 3.0, usb c, metal, keychain, high speed, compact, waterproof",
          {"capacity": ("32gb", "64gb", "128gb", "256gb"), "pack": ("1 pack", "2 pack")},
          (6.0, 60.0), _TECH),
    _type("computer mouse", "electronics", "Computer Mouse",
          "wireless, ergonomic, rechargeable, silent click, bluetooth, gaming, left handed",
          {"color": ("black", "white", "gray", "pink")}, (10.0, 90.0), _TECH),
    _type("coffee maker", "home", "Coffee Maker",
          "programmable, stainless steel, single serve, thermal carafe, auto shut off, compact, "
          "bpa free",
          {"capacity": ("4 cup", "8 cup", "12 cup")}, (25.0, 180.0), _HOME),
    _type("bath towel", "home", "Bath Towel",
          "cotton, quick dry, absorbent, machine washable, oversized, organic, plush",
          {"color": _COLORS, "pack": ("2 pack", "4 pack", "6 pack")}, (10.0, 60.0), _HOME),
    _type("throw pillow", "home", "Throw Pillow",
          "velvet, linen, machine washable, hypoallergenic, decorative, removable cover, square",
          {"color": _COLORS, "size": ("16x16", "18x18", "20x20")}, (10.0, 50.0), _HOME),
    _type("desk lamp", "home", "Desk Lamp",
          "led, dimmable, usb charging, touch control, adjustable, eye caring, energy efficient",
          {"color": ("black", "white", "silver", "gold")}, (15.0, 90.0), _HOME),
    _type("storage bin", "home", "Storage Bin",
          "foldable, stackable, fabric, plastic, with lid, handles, clear",
          {"size": ("small", "medium", "large"), "pack": ("2 pack", "4 pack", "6 pack")},
          (10.0, 55.0), _HOME),
    _type("water bottle", "home", "Water Bottle",
          "stainless steel, insulated, bpa free, leak proof, wide mouth, dishwasher safe, "
          "straw lid",
          {"capacity": ("16 oz", "24 oz", "32 oz", "40 oz"), "color": _COLORS},
          (10.0, 50.0), _HOME),
    _type("shampoo", "beauty", "Shampoo",
          "sulfate free, paraben free, moisturizing, for dry hair, for curly hair, natural, "
          "vegan, color safe",
          {"size": ("8 fl oz", "12 fl oz", "16 fl oz"),
           "scent": ("unscented", "coconut", "lavender", "citrus", "mint")},
          (6.0, 40.0), _CARE),
    _type("face moisturizer", "beauty", "Face Moisturizer",
          "oil free, spf 30, fragrance free, hyaluronic acid, for sensitive skin, vegan, "
          "non comedogenic, anti aging",
          {"size": ("1.7 oz", "2.5 oz", "3.4 oz")}, (8.0, 70.0), _CARE),
    _type("lip balm", "beauty", "Lip Balm",
          "spf 15, natural, beeswax, moisturizing, tinted, vegan, long lasting",
          {"flavor": ("mint", "vanilla", "cherry", "honey", "unflavored"),
           "pack": ("1 pack", "3 pack", "6 pack")}, (3.0, 20.0), _CARE),
    _type("nail polish", "beauty", "Nail Polish",
          "long lasting, quick dry, vegan, non toxic, gel, chip resistant, glossy",
          {"color": ("red", "pink", "nude", "black", "coral", "purple")}, (4.0, 25.0), _CARE),
    _type("coffee beans", "grocery", "Coffee Beans",
          "organic, whole bean, dark roast, medium roast, fair trade, single origin, decaf, "
          "low acid",
          {"size": ("12 oz", "2 lb", "5 lb")}, (8.0, 60.0), _FOOD),
    _type("protein bar", "grocery", "Protein Bar",
          "gluten free, low sugar, high protein, vegan, keto, non gmo, soy free",
          {"flavor": ("chocolate", "peanut butter", "vanilla", "cookie dough", "berry"),
           "pack": ("6 pack", "12 pack", "24 pack")}, (8.0, 45.0), _FOOD),
    _type("green tea", "grocery", "Green Tea",
          "organic, decaf, matcha, loose leaf, tea bags, unsweetened, non gmo",
          {"flavor": ("original", "jasmine", "mint", "lemon", "ginger"),
           "pack": ("20 count", "50 count", "100 count")}, (4.0, 30.0), _FOOD),
    _type("pasta", "grocery", "Pasta",
          "gluten free, whole wheat, organic, non gmo, high protein, vegan",
          {"shape": ("spaghetti", "penne", "fusilli", "macaroni"),
           "pack": ("1 pack", "4 pack", "8 pack")}, (2.0, 25.0), _FOOD),
    _type("olive oil", "grocery", "Olive Oil",
          "extra virgin, organic, cold pressed, non gmo, unfiltered, single origin, kosher",
          {"size": ("500 ml", "750 ml", "1 liter")}, (7.0, 45.0), _FOOD),
)  # fmt: skip

_BRANDS = {
    "clothing": ("Northwind", "Alder & Co", "Pinecrest", "Urban Thread", "Mossline", "Tidewear"),
    "shoes": ("Stridewell", "Trailhead", "Cobalt Step", "Ridgeway", "Fleetfoot"),
    "electronics": ("Voltix", "Nimbus", "Arcwave", "Lumetek", "Quanta", "Pulsebit"),
    "home": ("Hearthly", "Oakhaven", "Nestwell", "Brightside", "Homestead Goods"),
    "beauty": ("Glowleaf", "Purely", "Velvetine", "Dewdrop", "Botanica"),
    "grocery": ("Harvest Lane", "Sunfield", "Golden Acre", "Meadowbrook", "Old Mill"),
}
_WORN_SUFFIXES = (
    "",
    "",
    "",
    " for Men",
    " for Women",
    " Unisex",
    " - Everyday Edition",
    " Classic",
)
_SUFFIXES = ("", "", "", " Pro", " Plus", " Classic", " Essentials", " - Value Edition")


@dataclass(frozen=True)
class Product:
    """One product in the shop.

    :param id: unique, ``"B0"`` plus 8 upper-case letters and digits.
    :param type: the product type's name, e.g. ``"t-shirt"``.
    :param title: the name shown in search results.
    :param attributes: the product's attributes, e.g. ``("cotton", "slim fit")``.
    :param options: option name -> the values a buyer picks from, e.g.
        ``(("size", ("small", "large")), ("color", ("red", "blue")))``.
    :param price: in dollars, two decimals.
    :param description: a few sentences for the product page.
    """

    id: str
    type: str
    title: str
    attributes: tuple[str, ...]
    options: tuple[tuple[str, tuple[str, ...]], ...]
    price: float
    description: str

    def option_values(self, name: str) -> tuple[str, ...]:
        """The values of option ``name``; ``()`` when the product has no such option."""
        return dict(self.options).get(name, ())


def tokens(text: str) -> list[str]:
    """The search words of ``text``: lower-case runs of letters and digits, minus
    :data:`STOPWORDS` and single characters."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOPWORDS]


def _search_words(product: Product) -> frozenset[str]:
    text = " ".join((product.title, product.type, *product.attributes, product.description))
    return frozenset(tokens(text))


class Catalogue:
    """The products of a shop, with lookup by id and a deterministic word search.

    :param products: the products; their ids must be unique.
    """

    def __init__(self, products: tuple[Product, ...]) -> None:
        self.products = tuple(products)
        self._by_id = {product.id: product for product in self.products}
        if len(self._by_id) != len(self.products):
            raise InvalidArgumentError("Catalogue products must have unique ids")
        self._words = [_search_words(product) for product in self.products]

    def __len__(self) -> int:
        return len(self.products)

    def by_id(self, product_id: str) -> Product | None:
        """The product with id ``product_id``, or ``None`` when there is none."""
        return self._by_id.get(product_id)

    def ranked(self, query: str) -> list[Product]:
        """Every product matching ``query``, best first.

        A product's score is the number of distinct query words found in its title, type,
        attributes and description; products scoring 0 are left out, ties go by id. An
        empty query (no search words) lists every product by id.
        """
        wanted = set(tokens(query))
        if not wanted:
            return sorted(self.products, key=lambda product: product.id)
        scored = [
            (-len(wanted & words), product.id, product)
            for product, words in zip(self.products, self._words, strict=True)
            if not wanted.isdisjoint(words)
        ]
        scored.sort(key=lambda item: item[:2])
        return [product for _, _, product in scored]

    def search(self, query: str, page: int = 1, per_page: int = 10) -> tuple[list[Product], int]:
        """One page of :meth:`ranked` and the total number of matches.

        :param query: free text; see :meth:`ranked`.
        :param page: 1-based page number; a page past the end is empty.
        :param per_page: results per page, at least 1.
        """
        check_int("page", page, minimum=1)
        check_int("per_page", per_page, minimum=1)
        ranked = self.ranked(query)
        start = (page - 1) * per_page
        return ranked[start : start + per_page], len(ranked)


def _product_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        product_id = ID_PREFIX + "".join(rng.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
        if product_id not in taken:
            taken.add(product_id)
            return product_id


def _make_product(rng: random.Random, kind: ProductType, product_id: str) -> Product:
    attributes = tuple(rng.sample(kind.attributes, rng.randint(2, 4)))
    options = []
    for name, values in kind.options:
        offered = set(rng.sample(values, rng.randint(2, len(values))))
        options.append((name, tuple(v for v in values if v in offered)))
    in_title = [a.title() for a in attributes[: rng.randint(1, 2)]]
    brand = rng.choice(_BRANDS[kind.category])
    suffixes = _WORN_SUFFIXES if kind.category in ("clothing", "shoes") else _SUFFIXES
    title = f"{brand} {' '.join(in_title)} {kind.noun}{rng.choice(suffixes)}"
    low, high = kind.price_range
    price = round(rng.uniform(low, high), 2)
    sentences = [
        f"This {kind.name} by {brand} is {_join(list(attributes))}.",
        rng.choice(kind.blurbs),
    ]
    lacking = [a for a in kind.attributes if a not in attributes]
    if lacking and rng.random() < 0.35:
        # Descriptions that name an attribute the product lacks make reading matter.
        sentences.append(f"Looking for {rng.choice(lacking)}? See our other {kind.name} models.")
    return Product(
        id=product_id,
        type=kind.name,
        title=title,
        attributes=attributes,
        options=tuple(options),
        price=price,
        description=" ".join(sentences),
    )


@functools.lru_cache(maxsize=8)
def generate_catalogue(seed: int, size: int = DEFAULT_SIZE) -> Catalogue:
    """The catalogue of shop ``seed``: ``size`` products over every product type.

    A pure function of ``(seed, size)``; the result is cached and must not be changed.

    :param seed: any integer.
    :param size: the number of products, 1 to 100000.
    """
    if not is_int(seed):
        raise InvalidArgumentError(f"generate_catalogue needs an integer seed; got {seed!r}")
    check_int("size", size, minimum=1, maximum=MAX_SIZE)
    rng = random.Random(f"cogym-shop:{seed}:{size}")
    order = list(PRODUCT_TYPES)
    rng.shuffle(order)
    taken: set[str] = set()
    products = tuple(
        _make_product(rng, order[i % len(order)], _product_id(rng, taken)) for i in range(size)
    )
    return Catalogue(products)


def _join(words: list[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def shop_goal(
    type_name: str, attributes: list[str], options: Mapping[str, str], price_upper: float
) -> str:
    """The instruction of a shop task, in WebShop's style, e.g. ``"i am looking for a
    t-shirt that is cotton and slim fit, with size: large and color: red, and price lower
    than 40.00 dollars"``."""
    goal = f"i am looking for {_article(type_name)} {type_name}"
    if attributes:
        goal += f" that is {_join(attributes)}"
    if options:
        goal += ", with " + _join([f"{name}: {value}" for name, value in options.items()])
    return goal + f", and price lower than {price_upper:.2f} dollars"


def generate_shop_task(rng: random.Random, catalogue: Catalogue) -> dict[str, Any]:
    """A shop task whose target is a product of ``catalogue``; buying that product with
    the task's options earns reward 1.0.

    :param rng: the only source of randomness.
    :param catalogue: the shop the task is for.
    :return: ``{"suite": "shop", "goal", "product_id", "type", "attributes", "options",
        "price_upper"}``.
    """
    if len(catalogue) == 0:
        raise InvalidArgumentError("generate_shop_task needs a catalogue with products")
    product = rng.choice(catalogue.products)
    attributes = rng.sample(
        product.attributes, min(rng.randint(1, MAX_TASK_ATTRIBUTES), len(product.attributes))
    )
    named = rng.sample(product.options, rng.randint(0, min(MAX_TASK_OPTIONS, len(product.options))))
    options = {name: rng.choice(values) for name, values in named}
    price_upper = float(math.ceil(product.price * rng.uniform(1.05, 1.6)))
    return {
        "suite": "shop",
        "goal": shop_goal(product.type, attributes, options, price_upper),
        "product_id": product.id,
        "type": product.type,
        "attributes": attributes,
        "options": options,
        "price_upper": price_upper,
    }


_TASK_KEYS = ("suite", "goal", "product_id", "type", "attributes", "options", "price_upper")
_REQUIRED = ("suite", "goal", "type", "attributes", "options", "price_upper")
_EXAMPLE = (
    "{'suite': 'shop', 'goal': 'i am looking for a t-shirt that is cotton, and price lower "
    "than 30.00 dollars', 'type': 't-shirt', 'attributes': ['cotton'], 'options': {}, "
    "'price_upper': 30.0}"
)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def validate_shop_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """Check a shop task against the schema and return a clean copy.

    :param task: a mapping with ``suite`` (``"shop"``), ``goal`` (text), ``type`` (text),
        ``attributes`` (list of at most 10 strings), ``options`` (dict of at most 10
        option name -> value strings), ``price_upper`` (positive number) and optionally
        ``product_id`` (the generator's target, for scripted agents).
    :return: the same fields, with ``attributes`` a list, ``options`` a dict and
        ``price_upper`` a float.
    """
    check_task_keys(
        task, family="WebShop", allowed=_TASK_KEYS, required=_REQUIRED, example=_EXAMPLE
    )
    if task["suite"] != "shop":
        raise InvalidTaskError(
            f"WebShop task 'suite' must be 'shop'; got {short_repr(task['suite'])}"
        )
    for key in ("goal", "type"):
        if not _is_text(task[key]):
            raise InvalidTaskError(
                f"WebShop task '{key}' must be a non-empty string; got {short_repr(task[key])}"
            )
    attributes = task["attributes"]
    if (
        not isinstance(attributes, list | tuple)
        or len(attributes) > 10
        or not all(_is_text(a) for a in attributes)
    ):
        raise InvalidTaskError(
            "WebShop task 'attributes' must be a list of at most 10 non-empty strings such as "
            f"['cotton', 'slim fit']; got {short_repr(attributes)}"
        )
    options = task["options"]
    if (
        not isinstance(options, Mapping)
        or len(options) > 10
        or not all(_is_text(k) and _is_text(v) for k, v in options.items())
    ):
        raise InvalidTaskError(
            "WebShop task 'options' must be a dict of at most 10 option names to values such as "
            f"{{'size': 'large', 'color': 'red'}}; got {short_repr(options)}"
        )
    price_upper = task["price_upper"]
    if (
        isinstance(price_upper, bool)
        or not isinstance(price_upper, int | float)
        or not math.isfinite(price_upper)
        or price_upper <= 0
    ):
        raise InvalidTaskError(
            f"WebShop task 'price_upper' must be a positive number of dollars such as 40.0; "
            f"got {short_repr(price_upper)}"
        )
    clean: dict[str, Any] = {
        "suite": "shop",
        "goal": task["goal"],
        "type": task["type"],
        "attributes": list(attributes),
        "options": dict(options),
        "price_upper": float(price_upper),
    }
    if "product_id" in task:
        if not _is_text(task["product_id"]):
            raise InvalidTaskError(
                "WebShop task 'product_id' must be a product id string such as 'B0ABC12345'; "
                f"got {short_repr(task['product_id'])}"
            )
        clean["product_id"] = task["product_id"]
    return clean
