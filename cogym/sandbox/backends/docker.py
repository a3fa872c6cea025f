"""docker: a throwaway container with no network, a read-only root and memory/pids limits.

Used by ``auto`` when bwrap is not available and a docker engine answers. The image
(``cogym-sandbox:bookworm`` unless ``COGYM_DOCKER_IMAGE`` names another; any image with
``python3`` >= 3.8 and ``sh`` works) must already exist: cogym never pulls. Build it with
``python -m cogym.sandbox.docker_image`` (Debian's python3 by ``debootstrap``, then
``docker import``). Each container runs as a fresh unprivileged uid with no
capabilities, so that ``RLIMIT_NPROC`` counts its own processes only (never those of
other sandboxes or of the host's ``nobody``); ``/sandbox`` and ``/tmp`` are small tmpfs
mounts, the only writable places.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from typing import Any

from cogym.sandbox.backends.base import BASE_ENV, SCRATCH_DIR, Backend, Launch, kill_group
from cogym.sandbox.backends.interpreter import runner_command
from cogym.sandbox.limits import NPROC, SCRATCH_MB

IMAGE_ENV = "COGYM_DOCKER_IMAGE"
DEFAULT_IMAGE = "cogym-sandbox:bookworm"
BUILD_HINT = "build it with `python -m cogym.sandbox.docker_image` (as root)"
ENGINE_HINT = (
    "install and start one (as root: apt-get install -y docker.io, then "
    "dockerd --bridge=none --iptables=false --ip-forward=false; `make test` does both)"
)
#: How long ``docker info`` may take before the engine counts as not answering.
INFO_TIMEOUT_S = 10.0
#: How long ``docker rm`` and ``docker image inspect`` may take.
COMMAND_TIMEOUT_S = 30.0
#: Pause between tries to remove a container that the engine is removing already.
REMOVE_POLL_S = 0.05
#: Container memory on top of the per-process RLIMIT_AS, so that the rlimit (which the
#: runner reports as "memory") is hit before the container's OOM killer.
MEMORY_HEADROOM_MB = 128
#: Each container runs as a uid drawn from [UID_BASE, UID_BASE + UID_SPAN): no host
#: account has one, nor does a bwrap run (whose range starts at 1.5e9).
UID_BASE = 1_400_000_000
UID_SPAN = 1 << 24


def image() -> str:
    """The image sandboxes run in: ``$COGYM_DOCKER_IMAGE`` or ``cogym-sandbox:bookworm``."""
    return os.environ.get(IMAGE_ENV) or DEFAULT_IMAGE


def docker_cli() -> str | None:
    """The docker CLI on PATH, or None."""
    return shutil.which("docker")


def image_exists(docker: str, name: str) -> bool:
    """Whether the engine has image ``name`` (it is never pulled).

    :param docker: the docker CLI.
    :param name: the image's name.
    """
    try:
        inspect = subprocess.run(
            [docker, "image", "inspect", "--format", "{{.Id}}", name],
            capture_output=True,
            timeout=COMMAND_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return False
    return inspect.returncode == 0


def engine_problem(docker: str) -> str | None:
    """None when an engine answers ``docker info`` quickly, else why not.

    :param docker: the docker CLI.
    """
    try:
        info = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=INFO_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return f"the docker engine did not answer `docker info` within {INFO_TIMEOUT_S:g} s"
    if info.returncode != 0:
        return f"no docker engine answers `docker info` ({_last_line(info.stderr)}); {ENGINE_HINT}"
    return None


def container_user() -> str:
    """``uid:gid`` for one container: a fresh uid, its own group."""
    uid = UID_BASE + secrets.randbelow(UID_SPAN)
    return f"{uid}:{uid}"


def remove_container(name: str) -> None:
    """Kill and remove container ``name``; return once it is gone (or after a timeout).

    While ``--rm`` already removes it, ``docker rm`` fails ("removal ... in progress"), so
    it is asked again until the engine knows no such container.

    :param name: the container's name.
    """
    deadline = time.monotonic() + COMMAND_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            removed = subprocess.run(
                [docker_cli() or "docker", "rm", "--force", name],
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            return
        if removed.returncode == 0 or "no such container" in removed.stderr.lower():
            return
        time.sleep(REMOVE_POLL_S)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


class DockerBackend(Backend):
    """Runs the runner in a docker container (``docker run --rm -i ...``)."""

    name = "docker"
    isolating = True
    #: The container's own memory and pids limits bound the sandbox as a whole.
    bounds_itself = True

    def check(self) -> str | None:
        """None when the engine answers ``docker info`` quickly and the image is present."""
        docker = docker_cli()
        if docker is None:
            return f"the docker CLI is not on PATH; {ENGINE_HINT}"
        problem = engine_problem(docker)
        if problem is not None:
            return problem
        if not image_exists(docker, image()):
            return f"image {image()!r} is not present: {BUILD_HINT}, or set {IMAGE_ENV}"
        return None

    def launch(self, config: dict[str, Any], *, memory_mb: int = 512) -> Launch:
        """The ``docker run`` command around the runner.

        No ``--workdir``: docker would make the scratch tmpfs root's and 0755 (its mode
        option is lost), so that the run could not write there; the runner changes to it.

        :param config: the runner's mode settings.
        :param memory_mb: the per-process memory limit; the container gets a little more.
        """
        name = "cogym-sandbox-" + secrets.token_hex(8)
        config = {
            **config,
            "scratch": SCRATCH_DIR,
            "tmp": "/tmp",
            "pid_namespace": True,
            "private_ipc": True,
            "uids": None,
        }
        memory = f"{memory_mb + MEMORY_HEADROOM_MB}m"
        argv = [docker_cli() or "docker", "run", "--rm", "-i", "--name", name]
        argv += ["--pull", "never", "--init", "--network", "none", "--ipc", "private"]
        argv += ["--memory", memory, "--memory-swap", memory, "--pids-limit", str(NPROC + 8)]
        argv += ["--read-only", "--user", container_user(), "--cap-drop", "ALL"]
        argv += ["--security-opt", "no-new-privileges", "--hostname", "sandbox"]
        argv += ["--log-driver", "none"]
        argv += ["--tmpfs", f"/tmp:rw,nosuid,nodev,size={SCRATCH_MB}m,mode=1777"]
        argv += ["--tmpfs", f"{SCRATCH_DIR}:rw,exec,nosuid,nodev,size={SCRATCH_MB}m,mode=1777"]
        for variable, value in BASE_ENV.items():
            argv += ["--env", f"{variable}={value}"]
        argv += [image(), *runner_command("python3", config, same_interpreter=False)]
        return Launch(argv, name=name)

    def kill(self, process: subprocess.Popen, launch: Launch) -> None:
        """Kill the ``docker run`` CLI, then kill and remove the container (``docker rm -f``).

        The CLI goes first: a container blocked writing output that nobody reads any more
        would hold the engine's kill up until its timeout. Removing the container here
        (rather than leaving it to ``--rm``) means it is gone when this returns.

        :param process: the ``docker run`` command.
        :param launch: what started it.
        """
        kill_group(process.pid)
        process.wait()
        if launch.name:
            remove_container(launch.name)

    def decode_returncode(self, returncode: int) -> tuple[int | None, int | None]:
        """``docker run`` exits with 128 + N when the container's command died by signal N.

        :param returncode: the CLI's return code.
        """
        if returncode > 128:
            return None, returncode - 128
        return super().decode_returncode(returncode)
