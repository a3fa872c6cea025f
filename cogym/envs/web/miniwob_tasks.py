"""MiniWoB++ tasks: where the ``miniwob`` package's pages are, and the JavaScript that runs them.

Each MiniWoB++ task is one HTML page (``miniwob/<name>.html`` under :func:`miniwob_root`)
whose script draws an instance with ``genProblem()`` from ``Math.random`` and ends the
episode itself by calling ``core.endEpisode(reward)``. The env serves the folder with
:class:`~cogym.envs.web.static_site.StaticSite`, opens :func:`task_path`, and drives a
page through ``Browser.evaluate`` with the scripts below:

1. :func:`start_episode_script` seeds ``Math.random``, lifts the task's own time limit
   (``core.EPISODE_MAX_TIME``; otherwise a page ends the episode with reward -1 after
   10-30 s, while an LLM may think longer than that), hides the score panel, and calls
   ``core.startEpisodeReal()`` (what clicking the page's START cover does). Once the
   episode ends the START cover is shown again; clicking it would start a new episode,
   so the env ends its episode as soon as ``done`` is read.
2. :data:`READY_SCRIPT` is true once the instance is drawn (``WOB_TASK_READY``).
3. :data:`UTTERANCE_SCRIPT` returns the instruction (``core.getUtterance()``).
4. :data:`REWARD_SCRIPT` returns ``{"done", "reward", "reason"}`` from the page's globals
   (``WOB_DONE_GLOBAL``, ``WOB_RAW_REWARD_GLOBAL``, ``WOB_REWARD_REASON``). They keep
   their values after the episode ends, until the next ``core.startEpisodeReal()``.
   The reward is the raw one (no time discount): 1.0 solved, -1.0 failed, and a value in
   between for tasks with partial credit.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cogym.core.errors import InvalidArgumentError

#: The episode time limit set on every page, in ms (about 11.6 days). Browsers fire a
#: ``setTimeout`` longer than 2**31 - 1 ms at once, so "infinite" must stay below that.
EPISODE_MAX_TIME_MS = 1_000_000_000

#: The URL path prefix of task pages under the served root.
TASK_PATH_PREFIX = "/miniwob/"

#: Tasks solvable with element actions alone (click, fill, select, check, hover, press,
#: scroll on elements) whose instruction and answer are in the page's text: no drag, no
#: canvas or pixel coordinates, no text selection, no shapes or colours to see, and no
#: text that depends on the clock (``terminal`` prints today's date). Each was checked to
#: load and start in Chromium without a JavaScript error (miniwob 1.1.0). The random-agent
#: benchmark draws from these.
ELEMENT_TASKS: tuple[str, ...] = (
    "book-flight",
    "book-flight-nodelay",
    "buy-ticket",
    "choose-date",
    "choose-date-easy",
    "choose-date-medium",
    "choose-date-nodelay",
    "choose-list",
    "click-button",
    "click-button-sequence",
    "click-checkboxes",
    "click-checkboxes-large",
    "click-checkboxes-soft",
    "click-checkboxes-transfer",
    "click-collapsible",
    "click-collapsible-2",
    "click-collapsible-2-nodelay",
    "click-collapsible-nodelay",
    "click-dialog",
    "click-dialog-2",
    "click-link",
    "click-menu",
    "click-menu-2",
    "click-option",
    "click-scroll-list",
    "click-tab",
    "click-tab-2",
    "click-tab-2-easy",
    "click-tab-2-hard",
    "click-tab-2-medium",
    "click-test",
    "click-test-2",
    "click-test-transfer",
    "click-widget",
    "copy-paste",
    "copy-paste-2",
    "email-inbox",
    "email-inbox-delete",
    "email-inbox-forward",
    "email-inbox-forward-nl",
    "email-inbox-forward-nl-turk",
    "email-inbox-important",
    "email-inbox-nl-turk",
    "email-inbox-noscroll",
    "email-inbox-reply",
    "email-inbox-star-reply",
    "enter-date",
    "enter-password",
    "enter-text",
    "enter-text-2",
    "enter-text-dynamic",
    "enter-time",
    "find-greatest",
    "find-word",
    "focus-text",
    "focus-text-2",
    "form-sequence-2",
    "form-sequence-3",
    "generate-number",
    "guess-number",
    "login-user",
    "login-user-popup",
    "multi-layouts",
    "multi-orderings",
    "navigate-tree",
    "odd-or-even",
    "order-food",
    "phone-book",
    "read-table",
    "read-table-2",
    "scroll-text",
    "search-engine",
    "sign-agreement",
    "simple-algebra",
    "simple-arithmetic",
    "social-media",
    "social-media-all",
    "social-media-some",
    "text-transform",
    "unicode-test",
    "use-autocomplete",
    "use-autocomplete-nodelay",
    "use-spinner",
)

#: Whether the page's task is ready to be acted on (some pages draw it asynchronously).
READY_SCRIPT = "() => typeof WOB_TASK_READY !== 'undefined' && WOB_TASK_READY === true"

#: The task's instruction, e.g. ``'Click on the "ok" button.'``.
UTTERANCE_SCRIPT = """() => {
  const u = core.getUtterance();
  return typeof u === 'string' ? u : String(u.utterance);
}"""

#: ``{"done": bool, "reward": float, "reason": str}``: the raw reward once ``done``.
REWARD_SCRIPT = """() => ({
  done: WOB_DONE_GLOBAL === true,
  reward: Number(WOB_RAW_REWARD_GLOBAL) || 0,
  reason: WOB_REWARD_REASON === null || WOB_REWARD_REASON === undefined
    ? '' : String(WOB_REWARD_REASON),
})"""


def start_episode_script(seed: int) -> str:
    """The script that starts an episode of the loaded page with instance ``seed``.

    It seeds ``Math.random`` (``Math.seedrandom``), sets ``core.EPISODE_MAX_TIME`` to
    :data:`EPISODE_MAX_TIME_MS` so no timer ends the episode while an agent thinks, hides
    the page's score panel (its countdown and reward texts change with time, which would
    make the page text differ between two runs of one seed), and calls
    ``core.startEpisodeReal()``; the same seed draws the same instance (the same one as
    the ``miniwob`` package's own env given that seed).

    :param seed: an int; the page's own generator is seeded with it.
    :return: a JavaScript function expression for ``Browser.evaluate``.
    """
    if type(seed) is not int:
        raise InvalidArgumentError(f"a MiniWoB++ seed must be an int; got {seed!r}")
    return f"""() => {{
  if (core.cover_div === null) core.startEpisode();
  core.hideDisplay();
  Math.seedrandom({seed});
  core.EPISODE_MAX_TIME = {EPISODE_MAX_TIME_MS};
  core.startEpisodeReal();
  return true;
}}"""


def miniwob_root() -> Path:
    """The ``miniwob`` package's html folder (it holds ``core/``, ``common/``, ``miniwob/``).

    :raises InvalidArgumentError: when the package is not installed, saying how to get it.
    """
    try:
        import miniwob
    except ImportError:
        raise InvalidArgumentError(
            "MiniWoB++ needs the miniwob package: pip install 'cogym[web]' (or pip install miniwob)"
        ) from None
    root = Path(miniwob.__file__).resolve().parent / "html"
    if not (root / "core" / "core.js").is_file():
        raise InvalidArgumentError(
            f"the miniwob package at {root.parent} has no html/core/core.js; reinstall it: "
            "pip install --force-reinstall miniwob"
        )
    return root


@lru_cache(maxsize=1)
def _task_names(root: Path) -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in (root / "miniwob").glob("*.html")))


def miniwob_task_names() -> list[str]:
    """Every MiniWoB++ task of the installed package, sorted (e.g. ``"click-button"``)."""
    return list(_task_names(miniwob_root()))


def task_path(name: str) -> str:
    """The URL path of task ``name``'s page, e.g. ``"/miniwob/click-button.html"``."""
    if name not in miniwob_task_names():
        raise InvalidArgumentError(
            f"{name!r} is not a MiniWoB++ task; e.g. {', '.join(ELEMENT_TASKS[:5])} "
            "(all: miniwob_task_names())"
        )
    return f"{TASK_PATH_PREFIX}{name}.html"
