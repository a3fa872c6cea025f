"""Web tasks: one config and one generator over the three suites (shop, forms, MiniWoB++).

A task dict names its suite; the suite's own module draws and checks it:
:mod:`~cogym.envs.web.catalogue` (shop), :mod:`~cogym.envs.web.forms_tasks` (forms) and
:mod:`~cogym.envs.web.miniwob_tasks` (MiniWoB++, whose page draws the instance from a seed).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cogym.core.checks import is_int
from cogym.core.config import TaskConfig
from cogym.core.errors import InvalidTaskError
from cogym.core.tasks import Task, check_task_keys, short_repr
from cogym.envs.web.catalogue import generate_catalogue, generate_shop_task, validate_shop_task
from cogym.envs.web.forms_tasks import FORM_KINDS, generate_forms_task, validate_forms_task
from cogym.envs.web.miniwob_tasks import ELEMENT_TASKS

SUITES = ("shop", "forms", "miniwob")
#: The most products a generated catalogue may hold.
MAX_PRODUCTS = 100_000
#: MiniWoB++ page seeds are drawn below this.
MINIWOB_SEEDS = 2**31
_MINIWOB_EXAMPLE = '{"suite": "miniwob", "name": "click-button", "seed": 7}'


@dataclass(frozen=True)
class WebConfig(TaskConfig):
    """How to draw a web task.

    :param suite: ``"shop"``, ``"forms"`` or ``"miniwob"``.
    :param products: the shop catalogue's size (10 to :data:`MAX_PRODUCTS`).
    :param catalogue_seed: the shop catalogue's seed; tasks are drawn over it.
    :param task_name: forms: one of :data:`FORM_KINDS`; MiniWoB++: a task name such as
        ``"click-button"``; ``None`` draws one (MiniWoB++: from the element-action tasks).
    """

    suite: str = "shop"
    products: int = 1000
    catalogue_seed: int = 0
    task_name: str | None = None

    def validate(self) -> None:
        self.require(self.suite in SUITES, f"suite must be one of {SUITES}; got {self.suite!r}")
        self.require(
            is_int(self.products) and 10 <= self.products <= MAX_PRODUCTS,
            f"products must be an int from 10 to {MAX_PRODUCTS}; got {short_repr(self.products)}",
        )
        self.require(
            is_int(self.catalogue_seed),
            f"catalogue_seed must be an int; got {self.catalogue_seed!r}",
        )
        if self.task_name is None:
            return
        self.require(
            isinstance(self.task_name, str),
            f"task_name must be a str or None; got {short_repr(self.task_name)}",
        )
        if self.suite == "shop":
            self.require(False, "task_name has no meaning for the shop suite; leave it None")
        if self.suite == "forms":
            self.require(
                self.task_name in FORM_KINDS,
                f"task_name must be a form kind, one of {FORM_KINDS}; got {self.task_name!r}",
            )
        if self.suite == "miniwob":
            from cogym.envs.web.miniwob_tasks import miniwob_task_names

            names = miniwob_task_names()
            self.require(
                self.task_name in names,
                f"task_name {self.task_name!r} is not a MiniWoB++ task; e.g. "
                f"{', '.join(ELEMENT_TASKS[:5])} (all: cogym.envs.web.miniwob_tasks."
                "miniwob_task_names())",
            )


def generate_task(rng: random.Random, config: WebConfig) -> Task:
    """One task of ``config.suite``, a pure function of ``rng``."""
    if config.suite == "shop":
        catalogue = generate_catalogue(config.catalogue_seed, config.products)
        return generate_shop_task(rng, catalogue)
    if config.suite == "forms":
        return generate_forms_task(rng, config.task_name)
    name = config.task_name if config.task_name is not None else rng.choice(ELEMENT_TASKS)
    return {"suite": "miniwob", "name": name, "seed": rng.randrange(MINIWOB_SEEDS)}


def validate_task(task: Mapping[str, Any]) -> Task:
    """Check a task dict of any suite; raise :class:`InvalidTaskError` naming what is wrong."""
    if not isinstance(task, Mapping) or task.get("suite") not in SUITES:
        raise InvalidTaskError(
            f"a web task is a dict whose 'suite' is one of {SUITES}; got {short_repr(task)}"
        )
    if task["suite"] == "shop":
        return validate_shop_task(task)
    if task["suite"] == "forms":
        return validate_forms_task(task)
    check_task_keys(
        task,
        family="MiniWoB",
        allowed=("suite", "name", "seed"),
        required=("suite", "name", "seed"),
        example=_MINIWOB_EXAMPLE,
    )
    from cogym.envs.web.miniwob_tasks import miniwob_task_names

    if not isinstance(task["name"], str) or task["name"] not in miniwob_task_names():
        raise InvalidTaskError(
            f"MiniWoB task name {short_repr(task['name'])} is unknown; e.g. {ELEMENT_TASKS[:5]}"
        )
    if not is_int(task["seed"]) or not 0 <= task["seed"] < MINIWOB_SEEDS:
        raise InvalidTaskError(
            f"MiniWoB task seed must be an int from 0 to {MINIWOB_SEEDS - 1}; "
            f"got {short_repr(task['seed'])}"
        )
    return dict(task)
