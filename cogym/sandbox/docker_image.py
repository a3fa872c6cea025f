"""Builds the docker backend's image locally: Debian's python3, never pulled from a registry.

``python -m cogym.sandbox.docker_image`` (as root, with ``debootstrap`` and a docker
engine) makes a minimal Debian root file system with ``python3`` (``debootstrap
--variant=minbase --include=python3``), prunes what a sandbox never needs, and hands it
to ``docker import`` as ``cogym-sandbox:bookworm`` (or ``$COGYM_DOCKER_IMAGE``). An image
that already exists is kept unless ``--rebuild`` is given; ``--check`` only says whether
it exists (exit status 0 or 1). Building takes one to two minutes and fetches ~40 MB of
packages from the Debian mirror (``--mirror`` or ``$COGYM_DEBIAN_MIRROR`` picks another).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cogym.sandbox.backends.docker import docker_cli, engine_problem, image, image_exists
from cogym.sandbox.errors import SandboxError

SUITE = "bookworm"
MIRROR_ENV = "COGYM_DEBIAN_MIRROR"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
#: Paths (relative to the root) removed before the import: documentation, apt's caches,
#: and ``home``, which the sandbox hides as bwrap does.
PRUNED = (
    "home",
    "usr/share/doc",
    "usr/share/info",
    "usr/share/locale",
    "usr/share/man",
    "var/cache/apt/archives",
    "var/lib/apt/lists",
)
#: What the image's containers get besides the sandbox's own environment.
IMAGE_CHANGES = ("ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",)


def mirror() -> str:
    """The Debian mirror: ``$COGYM_DEBIAN_MIRROR`` or deb.debian.org."""
    return os.environ.get(MIRROR_ENV) or DEFAULT_MIRROR


def engine() -> str:
    """The docker CLI, once an engine answers it.

    :raises SandboxError: saying what is missing and how to get it.
    """
    docker = docker_cli()
    if docker is None:
        raise SandboxError(
            "the docker CLI is not on PATH; install it: apt-get install -y docker.io"
        )
    problem = engine_problem(docker)
    if problem is not None:
        raise SandboxError(problem)
    return docker


def check_build_prerequisites() -> None:
    """Check that this process may build: root, with ``debootstrap``.

    :raises SandboxError: saying what is missing and how to get it.
    """
    if os.geteuid() != 0:
        raise SandboxError("building the image needs root (debootstrap chroots); run it as root")
    if shutil.which("debootstrap") is None:
        raise SandboxError("debootstrap is not on PATH; install it: apt-get install -y debootstrap")


def bootstrap(root: Path, suite: str, source: str) -> None:
    """Install a minimal Debian with python3 into ``root``.

    :param root: an empty directory.
    :param suite: the Debian release, e.g. ``bookworm``.
    :param source: the mirror's URL.
    :raises SandboxError: when debootstrap fails (its last lines say why).
    """
    command = ["debootstrap", "--variant=minbase", "--include=python3", suite, str(root), source]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-10:])
        raise SandboxError(
            f"debootstrap failed (status {done.returncode}); check that {source} is "
            f"reachable (or set {MIRROR_ENV}):\n{tail}"
        )


def prune(root: Path) -> None:
    """Remove :data:`PRUNED` from the root file system at ``root``.

    :param root: the root file system.
    """
    for relative in PRUNED:
        path = root / relative
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def import_rootfs(docker: str, root: Path, name: str) -> None:
    """``tar`` the root file system at ``root`` into ``docker import`` as image ``name``.

    :param docker: the docker CLI.
    :param root: the root file system.
    :param name: the image's name.
    :raises SandboxError: when tar or the import fails.
    """
    changes = [part for change in IMAGE_CHANGES for part in ("--change", change)]
    tar = subprocess.Popen(
        ["tar", "-C", str(root), "--numeric-owner", "-cf", "-", "."], stdout=subprocess.PIPE
    )
    imported = subprocess.run(
        [docker, "import", *changes, "-", name], stdin=tar.stdout, capture_output=True, text=True
    )
    tar.stdout.close()
    if tar.wait() != 0 or imported.returncode != 0:
        raise SandboxError(f"docker import of {name!r} failed: {imported.stderr.strip()}")


def mounts_under(root: Path) -> list[str]:
    """Mount points at or below ``root`` (debootstrap mounts /proc there while it works)."""
    prefix = str(root.resolve())
    found = []
    with open("/proc/self/mounts") as handle:
        for line in handle:
            point = line.split()[1].encode().decode("unicode_escape")
            if point == prefix or point.startswith(prefix + "/"):
                found.append(point)
    return sorted(found, key=len, reverse=True)


def remove_rootfs(root: Path) -> None:
    """Delete a root file system, unmounting anything left mounted in it first.

    :param root: the root file system.
    :raises SandboxError: when something stays mounted (deleting would reach the host).
    """
    for point in mounts_under(root):
        subprocess.run(["umount", "--lazy", point], capture_output=True)
    if mounts_under(root):
        raise SandboxError(f"{root} still has mounts; unmount them, then delete it")
    shutil.rmtree(root, ignore_errors=True)


def build(name: str, *, suite: str = SUITE, source: str | None = None) -> None:
    """Build image ``name`` from Debian packages and import it.

    :param name: the image's name.
    :param suite: the Debian release.
    :param source: the mirror's URL (:func:`mirror` when None).
    :raises SandboxError: when a prerequisite is missing or a step fails.
    """
    docker = engine()
    check_build_prerequisites()
    root = Path(tempfile.mkdtemp(prefix="cogym-rootfs-"))
    try:
        bootstrap(root, suite, source or mirror())
        prune(root)
        import_rootfs(docker, root, name)
    finally:
        remove_rootfs(root)


def main(argv: list[str] | None = None) -> int:
    """The command line: build the image unless it exists.

    :param argv: the arguments (``sys.argv[1:]`` when None).
    :return: the exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python -m cogym.sandbox.docker_image", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--image", default=image(), help="image name (default: %(default)s)")
    parser.add_argument("--suite", default=SUITE, help="Debian release (default: %(default)s)")
    parser.add_argument("--mirror", default=mirror(), help="Debian mirror (default: %(default)s)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild an existing image")
    parser.add_argument("--check", action="store_true", help="only say whether it exists")
    args = parser.parse_args(argv)
    try:
        exists = image_exists(engine(), args.image)
        if args.check or (exists and not args.rebuild):
            print(f"image {args.image!r} {'exists' if exists else 'is missing'}")
            return 0 if exists else 1
        print(f"building image {args.image!r} from Debian {args.suite} ({args.mirror})", flush=True)
        build(args.image, suite=args.suite, source=args.mirror)
    except SandboxError as error:
        print(f"cogym.sandbox.docker_image: {error}", file=sys.stderr)
        return 1
    print(f"image {args.image!r} is ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
