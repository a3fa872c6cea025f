"""Advantages for GRPO: group-relative, per-turn discounted, and role-conditioned.

Pure functions over numpy arrays (the trainer moves them to torch). A reward that is NaN
or infinite raises :class:`NonFiniteRewardError` naming its sample index, so the caller
can stop the run with the env id and seed that produced it; it is never turned into 0.

References:

- GRPO: Shao et al. 2024, *DeepSeekMath*, arXiv:2402.03300.
- Dr. GRPO: Liu et al. 2025, *Understanding R1-Zero-Like Training*, arXiv:2503.20783.
- REINFORCE++: Hu 2025, arXiv:2501.03262 (group mean, batch std: "REINFORCE++-baseline").
- DAPO: Yu et al. 2025, arXiv:2503.14476 (dynamic sampling drops zero-variance groups).
- SPIRAL: Liu et al. 2025, arXiv:2506.24119 (role-conditioned advantage estimation).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from cogym.core.checks import check_choice, check_number, check_text, shown
from cogym.core.errors import InvalidArgumentError

#: The reward scalings :func:`group_advantages` takes.
SCALINGS = ("group", "batch", "none")


class NonFiniteRewardError(InvalidArgumentError):
    """A reward (or return) is NaN or infinite; ``index`` is its position in the input."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


class ZeroVarianceGroups(NamedTuple):
    """The groups whose rewards are all equal, as :func:`zero_variance_groups` finds them.

    :param groups: their ids, in order of first appearance.
    :param fraction: their share of all groups.
    :param keep: per sample, ``True`` where its group has reward variance (DAPO keeps it).
    """

    groups: list[Hashable]
    fraction: float
    keep: np.ndarray


def finite_rewards(rewards: Any, name: str = "rewards") -> np.ndarray:
    """``rewards`` as a 1-D float64 array; raise :class:`NonFiniteRewardError` at the first
    NaN or infinite entry.

    :param rewards: a sequence of numbers (or a 1-D array or CPU tensor).
    :param name: the argument's name, for the message.
    """
    try:
        values = np.asarray(rewards, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"{name} must be a 1-D sequence of numbers, got {shown(rewards)}"
        ) from error
    if values.ndim != 1:
        raise InvalidArgumentError(
            f"{name} must be 1-D (one value per sample), got shape {values.shape}"
        )
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        index = int(bad[0])
        raise NonFiniteRewardError(
            f"{name}[{index}] is {values[index]}: every reward must be a finite number; "
            f"fix the env or reward function that produced sample {index}",
            index,
        )
    return values


def group_advantages(
    rewards: Any, group_ids: Sequence[Hashable], scaling: str = "group", eps: float = 1e-6
) -> np.ndarray:
    """GRPO's group-relative advantage of each sample.

    With ``g`` the sample's group, ``A_i = (r_i - mean_g(r)) / s``, where ``s`` is

    - ``"group"`` (GRPO): ``std_g(r) + eps``, the group's population std (ddof 0; TRL and
      verl use ddof 1, which scales every advantage of a size-G group by sqrt((G-1)/G));
    - ``"batch"`` (REINFORCE++-baseline, the fix Dr. GRPO and Lite PPO suggest for the
      per-group std's difficulty bias): ``std(r - mean_g(r)) + eps`` over the whole batch
      (the centred values have batch mean 0);
    - ``"none"`` (Dr. GRPO): ``1``.

    A group whose rewards are all equal gets advantage 0 under every scaling.

    :param rewards: one finite reward per sample.
    :param group_ids: one group id per sample (any hashable; the G samples of a task
        share one); groups need not be contiguous.
    :param scaling: ``"group"``, ``"batch"`` or ``"none"``.
    :param eps: added to the std; must be > 0.
    :return: float64 array of the samples' advantages, in input order.
    """
    values = finite_rewards(rewards)
    check_choice("scaling", scaling, SCALINGS)
    check_number("eps", eps, minimum=0.0, exclusive_minimum=True)
    inverse, _ = _group_index(group_ids, len(values))
    counts = np.bincount(inverse).astype(np.float64)
    means = np.bincount(inverse, weights=values) / counts
    # exactly 0 for an all-equal group, whatever the rounding of its mean
    centred = np.where(_flat_groups(values, inverse)[inverse], 0.0, values - means[inverse])
    return centred / advantage_scales(centred, group_ids, scaling, eps)


def advantage_scales(
    centred: Any, group_ids: Sequence[Hashable], scaling: str = "group", eps: float = 1e-6
) -> np.ndarray:
    """What :func:`group_advantages` divides each centred reward by: the group's std plus
    ``eps`` (``"group"``), the batch's (``"batch"``) or 1 (``"none"``).

    :param centred: each sample's reward minus its group's mean.
    :param group_ids: one group id per sample.
    """
    values = np.asarray(centred, dtype=np.float64)
    check_choice("scaling", scaling, SCALINGS)
    if scaling == "none":
        return np.ones_like(values)
    if scaling == "batch":
        return np.full_like(values, float(np.sqrt(np.mean(values**2))) + eps)
    inverse, _ = _group_index(group_ids, len(values))
    stds = np.sqrt(np.bincount(inverse, weights=values**2) / np.bincount(inverse))
    return stds[inverse] + eps


def zero_variance_groups(rewards: Any, group_ids: Sequence[Hashable]) -> ZeroVarianceGroups:
    """The groups whose rewards are all exactly equal: they carry no GRPO signal (every
    advantage is 0), and DAPO's dynamic sampling drops them.

    :param rewards: one finite reward per sample.
    :param group_ids: one group id per sample.
    """
    values = finite_rewards(rewards)
    inverse, keys = _group_index(group_ids, len(values))
    flat = _flat_groups(values, inverse)
    groups = [key for key, is_flat in zip(keys, flat, strict=True) if is_flat]
    return ZeroVarianceGroups(groups, len(groups) / len(keys), ~flat[inverse])


def turn_returns(turn_rewards: Any, gamma: float) -> np.ndarray:
    """Discounted return of each turn of one episode: ``G_t = r_t + gamma * G_{t+1}``,
    with ``G_T = 0`` after the last turn (Sutton and Barto, eq. 3.9).

    :param turn_rewards: the rewards of the episode's turns, in order.
    :param gamma: the discount, in ``[0, 1]``.
    :return: float64 array, one return per turn.
    """
    values = finite_rewards(turn_rewards, "turn_rewards")
    gamma = check_number("gamma", gamma, minimum=0.0, maximum=1.0)
    returns = np.empty_like(values)
    running = 0.0
    for turn in range(len(values) - 1, -1, -1):
        running = values[turn] + gamma * running
        returns[turn] = running
    return returns


class RoleBaselines:
    """SPIRAL's role-conditioned advantage estimation: an EMA baseline per (game, role).

    For a batch of returns ``R`` of one role in one game, ``A = R - b`` with the baseline
    before the update, then ``b <- alpha * b + (1 - alpha) * mean(R)``. Baselines start at
    0. One policy plays every seat; a per-seat baseline removes the seat's advantage (e.g.
    the first mover's) from the learning signal.

    :param alpha: the EMA decay, in ``[0, 1)`` (SPIRAL uses 0.95).
    """

    def __init__(self, alpha: float = 0.95) -> None:
        self.alpha = _check_alpha(alpha)
        self._baselines: dict[tuple[str, str], float] = {}

    def baseline(self, game: str, role: str) -> float:
        """The current baseline of ``role`` in ``game`` (0 before its first update)."""
        return self._baselines.get((check_text("game", game), check_text("role", role)), 0.0)

    def update(self, game: str, role: str, returns: Any) -> np.ndarray:
        """Advantages of ``returns`` against the baseline, then move the baseline.

        :param game: the game's name (e.g. an env id).
        :param role: the seat or role the returns were earned in.
        :param returns: at least one finite return.
        :return: float64 array ``returns - baseline`` (baseline before this update).
        """
        key = (check_text("game", game), check_text("role", role))
        values = finite_rewards(returns, "returns")
        if values.size == 0:
            raise InvalidArgumentError(f"returns of {key} is empty; pass at least one return")
        before = self._baselines.get(key, 0.0)
        self._baselines[key] = self.alpha * before + (1.0 - self.alpha) * float(values.mean())
        return values - before

    def state_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy of the state, for checkpoints."""
        rows = [[game, role, value] for (game, role), value in self._baselines.items()]
        return {"alpha": self.alpha, "baselines": rows}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` exactly; its alpha must equal this one's.

        :param state: what :meth:`state_dict` returned.
        """
        if not isinstance(state, Mapping) or set(state) != {"alpha", "baselines"}:
            raise InvalidArgumentError(
                f"state must be what RoleBaselines.state_dict() returned, got {shown(state)}"
            )
        if _check_alpha(state["alpha"]) != self.alpha:
            raise InvalidArgumentError(
                f"the state was saved with alpha={state['alpha']}, this RoleBaselines has "
                f"alpha={self.alpha}; resume with the alpha of the saved run"
            )
        baselines: dict[tuple[str, str], float] = {}
        for row in state["baselines"]:
            if not isinstance(row, Sequence) or len(row) != 3:
                raise InvalidArgumentError(
                    f"each baseline must be [game, role, value], got {shown(row)}"
                )
            game, role, value = row
            key = (check_text("game", game), check_text("role", role))
            baselines[key] = check_number(f"baseline of {key}", value)
        self._baselines = baselines


def _check_alpha(alpha: Any) -> float:
    alpha = check_number("alpha", alpha, minimum=0.0)
    if alpha >= 1.0:
        raise InvalidArgumentError(
            f"alpha must be >= 0 and < 1 (at 1 the baselines never move), got {alpha}"
        )
    return alpha


def _flat_groups(values: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Per group number, whether all its rewards are exactly equal."""
    groups = int(inverse.max()) + 1
    lows = np.full(groups, np.inf)
    highs = np.full(groups, -np.inf)
    np.minimum.at(lows, inverse, values)
    np.maximum.at(highs, inverse, values)
    return lows == highs


def _group_index(group_ids: Sequence[Hashable], size: int) -> tuple[np.ndarray, list[Hashable]]:
    """Each sample's group number (groups numbered by first appearance) and the ids."""
    if isinstance(group_ids, (str, bytes)) or not isinstance(group_ids, (Sequence, np.ndarray)):
        raise InvalidArgumentError(
            f"group_ids must be a sequence with one id per sample, got {shown(group_ids)}"
        )
    if len(group_ids) != size:
        raise InvalidArgumentError(
            f"group_ids has {len(group_ids)} entries for {size} rewards; pass one per sample"
        )
    if size == 0:
        raise InvalidArgumentError("rewards is empty; pass at least one sample")
    numbers: dict[Hashable, int] = {}
    try:
        inverse = np.array([numbers.setdefault(key, len(numbers)) for key in group_ids])
    except TypeError as error:
        raise InvalidArgumentError(
            f"group ids must be hashable (an int or str per task), got {shown(group_ids)}"
        ) from error
    return inverse, list(numbers)
