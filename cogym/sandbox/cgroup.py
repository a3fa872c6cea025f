"""A sandbox's memory and process count bounded as a whole by the host's cgroups.

Where the host allows it, each sandbox gets a cgroup of its own, made under ``cogym/`` in
the cgroup of the process that runs cogym (so that any bound on that process still
holds), with:

- memory: :meth:`~cogym.sandbox.limits.Limits.sandbox_memory_mb` (the run's ``memory_mb``
  plus :data:`~cogym.sandbox.limits.RUNNER_MEMORY_MB` for the warm runner and the
  backend's processes), swap included; files written to the sandbox's tmpfs count too;
- processes: :data:`~cogym.sandbox.limits.NPROC` plus
  :data:`~cogym.sandbox.limits.RUNNER_PIDS`.

The sandbox's command is started by ``/bin/sh``, which first moves itself into the cgroup
and then execs the backend, so every process of the sandbox is in it before the runner
starts (the move can cost the kernel an RCU grace period, up to ~0.1 s on a cgroup v1 host;
a pool pays it once per sandbox). When the kernel's out-of-memory killer fires in the
cgroup, the host kills the whole run and reports it as ``"memory"``; when the sandbox
closes, whatever is left in the cgroup is killed and the cgroup removed. Cgroups that a
process left behind when it died without closing its sandboxes (killed, or a forked
worker that ended with ``os._exit``) are removed whenever a sandbox of the same cgroup
starts or closes.

Both layouts are supported: cgroup v2 (a writable cgroup whose ``cgroup.controllers``
offers ``memory``; ``memory.max``, ``memory.swap.max``, ``pids.max``, ``cgroup.kill``) and
v1 (the ``memory`` hierarchy, and ``pids`` where mounted: ``memory.limit_in_bytes``,
``memory.memsw.limit_in_bytes`` where swap accounting is on, ``pids.max``). Under v2 a
cgroup that holds processes cannot hand its controllers to children, so the process's
own cgroup only works when it is the root; otherwise point :data:`ENV` at a delegated
cgroup (e.g. one made by ``systemd-run --scope -p Delegate=yes``, with no process in it).

``$COGYM_SANDBOX_CGROUP`` (:data:`ENV`): ``auto`` (the default) finds a cgroup as above;
``off`` never uses one; an absolute path names the cgroup v2 dir to make sandboxes in
(under its own ``cogym/``). Without a cgroup (not root, no delegation, or ``off``), the
runner watches the run instead (see :mod:`cogym.sandbox.runner`); :func:`detect` says why
there is none.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("cogym.sandbox")

#: The environment variable that picks the cgroup: ``auto``, ``off`` or a cgroup v2 path.
ENV = "COGYM_SANDBOX_CGROUP"
#: The dir made in the process's own cgroup to hold its sandboxes' cgroups.
PARENT_NAME = "cogym"
#: The shell that moves itself into the cgroup, then runs the sandbox's command.
SHELL = "/bin/sh"
_ENTER = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
#: How long removing a cgroup waits for its last processes to be gone.
REMOVE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Support:
    """Where sandbox cgroups can be made on this host.

    :param version: 2 or 1; 0 when none can be made.
    :param parents: the dirs sandbox cgroups are made in: one for v2; the memory
        hierarchy's and, where mounted, the pids hierarchy's for v1.
    :param reason: why none can be made, when ``version`` is 0.
    :param controllers: v2: the controllers each parent hands to its children.
    """

    version: int
    parents: tuple[str, ...] = ()
    reason: str = ""
    controllers: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        """Whether sandboxes get cgroups here."""
        return self.version != 0


def _unescape(field: str) -> str:
    """Decode the octal escapes (``\\040`` for a space) of a mountinfo field."""
    return field.encode().decode("unicode_escape") if "\\" in field else field


def parse_mounts(mountinfo: str) -> list[tuple[str, str, str, set[str]]]:
    """The cgroup mounts of a ``/proc/self/mountinfo`` text.

    :param mountinfo: the file's text.
    :return: ``(fstype, root, mount point, super options)`` per ``cgroup``/``cgroup2`` mount.
    """
    mounts = []
    for line in mountinfo.splitlines():
        head, _, tail = line.partition(" - ")
        fields, extra = head.split(), tail.split()
        if len(fields) >= 5 and len(extra) >= 3 and extra[0] in ("cgroup", "cgroup2"):
            options = set(extra[2].split(","))
            mounts.append((extra[0], _unescape(fields[3]), _unescape(fields[4]), options))
    return mounts


def parse_own_cgroups(text: str) -> dict[str, str]:
    """A ``/proc/self/cgroup`` text as ``{controller: path}``; ``""`` keys the v2 path.

    :param text: the file's text (``id:controllers:path`` per line).
    """
    paths = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                paths[controller] = parts[2]
    return paths


def _host_path(mount_root: str, mount_point: str, own: str) -> str | None:
    """Where cgroup ``own`` is in a mount of the hierarchy whose root is ``mount_root``."""
    if mount_root != "/" and own != mount_root and not own.startswith(mount_root + "/"):
        return None
    relative = own[len(mount_root) :] if mount_root != "/" else own
    return os.path.join(mount_point, relative.lstrip("/"))


def _read(path: str) -> str:
    with open(path) as handle:
        return handle.read()


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _enable_controllers(directory: str, wanted: tuple[str, ...]) -> str | None:
    """Make ``wanted`` (v2 controllers) available to ``directory``'s children; None or why not."""
    enabled = _read(os.path.join(directory, "cgroup.subtree_control")).split()
    missing = [name for name in wanted if name not in enabled]
    if not missing:
        return None
    try:
        _write(
            os.path.join(directory, "cgroup.subtree_control"),
            " ".join("+" + name for name in missing),
        )
    except OSError as error:
        why = "it holds processes" if error.errno == 16 else error.strerror
        return f"cannot enable {', '.join(missing)} for the children of {directory} ({why})"
    return None


def _v2_support(directory: str) -> Support:
    """Support under cgroup v2 dir ``directory`` (the process's own cgroup, or one named)."""
    try:
        offered = _read(os.path.join(directory, "cgroup.controllers")).split()
    except OSError as error:
        return Support(0, reason=f"{directory} is not a cgroup v2 dir ({error.strerror})")
    if "memory" not in offered:
        return Support(
            0,
            reason=f"cgroup v2 at {directory} does not offer the memory controller "
            f"(it offers: {' '.join(offered) or 'none'})",
        )
    wanted = ("memory", "pids") if "pids" in offered else ("memory",)
    problem = _enable_controllers(directory, wanted)
    if problem:
        return Support(0, reason=f"cgroup v2: {problem}; set {ENV} to a delegated cgroup")
    return _checked(Support(2, (os.path.join(directory, PARENT_NAME),), controllers=wanted))


def _v1_support(mounts: list, own: dict[str, str]) -> Support:
    """Support in the v1 memory (and pids) hierarchies, under the process's own cgroups."""
    parents = []
    for controller in ("memory", "pids"):
        found = [
            _host_path(root, point, own[controller])
            for kind, root, point, options in mounts
            if kind == "cgroup" and controller in options and controller in own
        ]
        found = [path for path in found if path is not None]
        if found:
            parents.append(os.path.join(found[0], PARENT_NAME))
        elif controller == "memory":
            return Support(0, reason="no cgroup v1 memory hierarchy is mounted")
    return _checked(Support(1, tuple(parents)))


def _checked(support: Support) -> Support:
    """``support``, if a sandbox cgroup can really be made and removed there; else why not."""
    try:
        probe = Cgroup.make(support, "probe")
    except OSError as error:
        where = os.path.dirname(error.filename or "") or support.parents[0]
        return Support(0, reason=f"cannot make a cgroup under {where} ({error.strerror})")
    probe.remove()
    return support


def _find() -> Support:
    """Detect support, as :data:`ENV` asks."""
    choice = os.environ.get(ENV, "auto").strip() or "auto"
    if choice == "off":
        return Support(0, reason=f"{ENV}=off")
    if choice != "auto":
        if not os.path.isabs(choice):
            return Support(0, reason=f"{ENV} must be auto, off or an absolute path: {choice!r}")
        return _v2_support(choice)
    try:
        mounts = parse_mounts(_read("/proc/self/mountinfo"))
        own = parse_own_cgroups(_read("/proc/self/cgroup"))
    except OSError as error:
        return Support(0, reason=f"cannot read this process's cgroups ({error.strerror})")
    reasons = []
    v2 = [(root, point) for kind, root, point, _ in mounts if kind == "cgroup2"]
    if v2 and "" in own:
        directory = _host_path(*v2[0], own[""])
        if directory is not None:
            found = _v2_support(directory)
            if found.available:
                return found
            reasons.append(found.reason)
    if any(kind == "cgroup" for kind, *_ in mounts):
        found = _v1_support(mounts, own)
        if found.available:
            return found
        reasons.append(found.reason)
    return Support(0, reason="; ".join(reasons) or "no cgroup file system is mounted")


@functools.cache
def _detect(choice: str) -> Support:
    found = _find()
    if found.available:
        logger.info("cogym.sandbox: sandboxes are bounded by cgroup v%d", found.version)
    else:
        logger.info("cogym.sandbox: no cgroup for sandboxes (%s)", found.reason)
    return found


def detect() -> Support:
    """Where sandbox cgroups can be made here (found once per value of :data:`ENV`)."""
    return _detect(os.environ.get(ENV, "auto"))


class Cgroup:
    """One sandbox's cgroup: one dir per hierarchy (v2: one; v1: memory, and pids).

    :param version: 2 or 1.
    :param dirs: its dirs; the first holds the memory controller.
    """

    def __init__(self, version: int, dirs: tuple[str, ...]) -> None:
        self.version = version
        self.dirs = dirs

    @classmethod
    def make(cls, support: Support, label: str = "sandbox") -> Cgroup:
        """Make a new, empty cgroup (no limits yet), first removing stale ones.

        :param support: from :func:`detect`.
        :param label: a word in its name, which also carries this process's pid.
        :raises OSError: when a dir cannot be made.
        """
        name = f"{os.getpid()}-{label}-{secrets.token_hex(6)}"
        dirs = []
        try:
            for parent in support.parents:
                remove_stale(parent)
                _make_in(parent, name, support.controllers)
                dirs.append(os.path.join(parent, name))
        except OSError:
            Cgroup(support.version, tuple(dirs)).remove()
            raise
        return cls(support.version, tuple(dirs))

    def _file(self, name: str) -> str | None:
        """The path of control file ``name`` in whichever dir has it, or None."""
        for directory in self.dirs:
            path = os.path.join(directory, name)
            if os.path.exists(path):
                return path
        return None

    def limit(self, memory_mb: int, pids: int) -> None:
        """Set the memory bound (swap included) and the process bound.

        :param memory_mb: MiB all processes together may hold.
        :param pids: processes and threads at once.
        :raises OSError: when a limit cannot be set.
        """
        memory = str(memory_mb * 1024 * 1024)
        if self.version == 2:
            names = [("memory.max", memory), ("memory.swap.max", "0"), ("pids.max", str(pids))]
        else:  # v1: memsw may never be below the memory limit, so the memory limit first
            names = [("memory.limit_in_bytes", memory), ("memory.memsw.limit_in_bytes", memory)]
            names.append(("pids.max", str(pids)))
        for name, value in names:
            path = self._file(name)
            if path is not None:
                _write(path, value)
            elif name in ("memory.max", "memory.limit_in_bytes"):
                raise FileNotFoundError(2, "no memory controller", name)

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` started inside this cgroup: a shell moves itself in, then runs it.

        :param argv: the sandbox's command.
        """
        procs = [os.path.join(directory, "cgroup.procs") for directory in self.dirs]
        return [SHELL, "-c", _ENTER, "cogym-cgroup", *procs, "--", *argv]

    def _counter(self, file: str, key: str) -> int:
        path = self._file(file)
        if path is None:
            return 0
        with contextlib.suppress(OSError, ValueError):
            for line in _read(path).splitlines():
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
        return 0

    def oom_kills(self) -> int:
        """How many processes the out-of-memory killer has killed in this cgroup so far."""
        if self.version == 2:
            return self._counter("memory.events", "oom_kill")
        return self._counter("memory.oom_control", "oom_kill")

    def peak_bytes(self) -> int | None:
        """The most memory this cgroup has held at once, or None where the kernel won't say."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        path = self._file(name)
        if path is None:
            return None
        try:
            return int(_read(path))
        except (OSError, ValueError):
            return None

    def pids(self) -> list[int]:
        """The processes in this cgroup now."""
        found: set[int] = set()
        for directory in self.dirs:
            with contextlib.suppress(OSError, ValueError):
                listed = _read(os.path.join(directory, "cgroup.procs")).split()
                found.update(int(pid) for pid in listed)
        return sorted(found)

    def kill(self) -> bool:
        """SIGKILL every process in the cgroup until none is left; False if some outlive
        :data:`REMOVE_TIMEOUT_S` (each round kills what was there; none is spared)."""
        kill_file = self._file("cgroup.kill") if self.version == 2 else None
        deadline = time.monotonic() + REMOVE_TIMEOUT_S
        while True:
            pids = self.pids()
            if not pids:
                return True
            if time.monotonic() > deadline:
                return False
            if kill_file is not None:
                with contextlib.suppress(OSError):
                    _write(kill_file, "1")
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.001)

    def remove(self) -> bool:
        """Kill what is left, remove the cgroup's dirs, and the parent dirs once empty.

        :return: whether every dir is gone.
        """
        self.kill()
        gone = True
        for directory in self.dirs:
            gone = _rmdir(directory, REMOVE_TIMEOUT_S) and gone
            parent = os.path.dirname(directory)
            remove_stale(parent)
            if os.path.basename(parent) == PARENT_NAME:
                with contextlib.suppress(OSError):  # busy while other sandboxes use it
                    os.rmdir(parent)
        return gone


def _make_in(parent: str, name: str, controllers: tuple[str, ...]) -> None:
    """Make dir ``name`` in ``parent``, making ``parent`` too where it is missing, and
    (v2) handing ``controllers`` on to its children."""
    for _ in range(10):  # another process may remove the parent once it is empty
        try:
            os.makedirs(parent, exist_ok=True)
            problem = _enable_controllers(parent, controllers) if controllers else None
            if problem:
                raise PermissionError(1, problem, parent)
            os.mkdir(os.path.join(parent, name))
            return
        except FileNotFoundError:
            continue
    raise FileNotFoundError(2, "its parent kept disappearing", os.path.join(parent, name))


def _rmdir(directory: str, timeout_s: float) -> bool:
    """Remove an empty cgroup dir, waiting while the kernel still counts exiting processes."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            os.rmdir(directory)
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() > deadline:
                logger.warning("cogym.sandbox: could not remove cgroup %s", directory)
                return False
            time.sleep(0.005)


def remove_stale(parent: str) -> None:
    """Remove the empty cgroups in ``parent`` that processes now gone left behind.

    :param parent: a dir that holds sandbox cgroups (named ``<pid>-...``).
    """
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            owner = entry.name.split("-", 1)[0]
            if entry.is_dir() and owner.isdigit() and not Path(f"/proc/{owner}").exists():
                with contextlib.suppress(OSError):
                    os.rmdir(entry.path)


def create(memory_mb: int, pids: int) -> Cgroup | None:
    """A new cgroup with these bounds, or None where :func:`detect` finds no support or
    making it fails (which is logged; the runner's watch then bounds the run).

    :param memory_mb: MiB the sandbox's processes may hold together.
    :param pids: processes and threads at once.
    """
    support = detect()
    if not support.available:
        return None
    try:
        group = Cgroup.make(support)
    except OSError as error:
        logger.warning("cogym.sandbox: could not make a cgroup: %s", error)
        return None
    try:
        group.limit(memory_mb, pids)
    except OSError as error:
        logger.warning("cogym.sandbox: could not set cgroup limits: %s", error)
        group.remove()
        return None
    return group
