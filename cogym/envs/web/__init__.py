"""Web browsing: a real Chromium through Playwright on sites the env serves locally.

Suites: a WebShop-style shop (generated catalogue, search, options, purchase), a form and
widget suite checked by the server, and the ``miniwob`` package's MiniWoB++ tasks scored
by their own JavaScript. Playwright (the ``web`` extra) is imported only when a browser
starts, so ``import cogym`` works without it.
"""

from cogym.core.family import AgentSpec, EnvEntry, Family
from cogym.envs.web.agents import FormsExpertAgent, RandomWebAgent, ShopExpertAgent
from cogym.envs.web.catalogue import Catalogue, Product, generate_catalogue, generate_shop_task
from cogym.envs.web.env import WebEnv
from cogym.envs.web.shop_reward import Purchase, shop_reward
from cogym.envs.web.tasks import SUITES, WebConfig, generate_task, validate_task
from cogym.envs.web.verifier import verify_record


def _expert(env, seed):
    return ShopExpertAgent() if env.unwrapped.suite == "shop" else FormsExpertAgent()


FAMILY = Family(
    name="web",
    env_class=WebEnv,
    summary="Web browsing in a real Chromium: a local shop, forms and widgets, MiniWoB++",
    envs=(
        EnvEntry(
            "cogym/WebShop-v0",
            "Find and buy a product in a generated local shop (search, options, budget)",
            {"suite": "shop"},
        ),
        EnvEntry(
            "cogym/WebForms-v0",
            "Log in, pick dates, tick boxes, choose options, follow links, fill forms",
            {"suite": "forms"},
        ),
        EnvEntry(
            "cogym/MiniWoB-v0",
            "MiniWoB++ tasks (the miniwob package) served locally, scored by their own JS",
            {"suite": "miniwob"},
        ),
    ),
    verify=verify_record,
    agents=(
        AgentSpec(
            "expert",
            _expert,
            "Web: scripted expert for the shop and forms suites (reads the task)",
            supports=lambda env: env.unwrapped.suite in ("shop", "forms"),
            role="expert",
        ),
        AgentSpec(
            "random-web",
            lambda env, seed: RandomWebAgent(seed=seed),
            "Web: a random action on a random visible element (chance level)",
            role="random",
        ),
    ),
)

__all__ = [
    "FAMILY",
    "SUITES",
    "Catalogue",
    "FormsExpertAgent",
    "Product",
    "Purchase",
    "RandomWebAgent",
    "ShopExpertAgent",
    "WebConfig",
    "WebEnv",
    "generate_catalogue",
    "generate_shop_task",
    "generate_task",
    "shop_reward",
    "validate_task",
    "verify_record",
]
