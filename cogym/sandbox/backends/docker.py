"""docker: a throwaway container with no network, a read-only root and memory/pids limits.

Used by ``auto`` when bwrap is not available and a docker engine answers. The image
(``python:3-slim`` unless ``COGYM_DOCKER_IMAGE`` names another) must already be pulled:
cogym never pulls it. The runner runs as uid 65534 with no capabilities; ``/sandbox`` and
``/tmp`` are small tmpfs mounts, the only writable places.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
from typing import Any

from cogym.sandbox.backends.base import BASE_ENV, SCRATCH_DIR, Backend, Launch, kill_group
from cogym.sandbox.backends.interpreter import runner_command
from cogym.sandbox.limits import NPROC, SCRATCH_MB

IMAGE_ENV = "COGYM_DOCKER_IMAGE"
DEFAULT_IMAGE = "python:3-slim"
#: How long ``docker info`` may take before the engine counts as not answering.
INFO_TIMEOUT_S = 3.0
#: Container memory on top of the per-process RLIMIT_AS, so that the rlimit (which the
#: runner reports as "memory") is hit before the container's OOM killer.
MEMORY_HEADROOM_MB = 128


def image() -> str:
    """The image sandboxes run in: ``$COGYM_DOCKER_IMAGE`` or ``python:3-slim``."""
    return os.environ.get(IMAGE_ENV) or DEFAULT_IMAGE


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


class DockerBackend(Backend):
    """Runs the runner in a docker container (``docker run --rm -i ...``)."""

    name = "docker"
    isolating = True

    def check(self) -> str | None:
        """None when the engine answers ``docker info`` quickly and the image is present."""
        docker = shutil.which("docker")
        if docker is None:
            return "the docker CLI is not on PATH"
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
            return f"no docker engine answers `docker info`: {_last_line(info.stderr)}"
        inspect = subprocess.run(
            [docker, "image", "inspect", "--format", "{{.Id}}", image()],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if inspect.returncode != 0:
            return (
                f"image {image()!r} is not present: run `docker pull {image()}` or set {IMAGE_ENV}"
            )
        return None

    def launch(self, config: dict[str, Any], *, memory_mb: int = 512) -> Launch:
        """The ``docker run`` command around the runner.

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
        argv = [shutil.which("docker") or "docker", "run", "--rm", "-i", "--name", name]
        argv += ["--pull", "never", "--init", "--network", "none", "--ipc", "private"]
        argv += ["--memory", memory, "--memory-swap", memory, "--pids-limit", str(NPROC + 8)]
        argv += ["--read-only", "--user", "65534:65534", "--cap-drop", "ALL"]
        argv += ["--security-opt", "no-new-privileges", "--hostname", "sandbox"]
        argv += ["--log-driver", "none", "--workdir", SCRATCH_DIR]
        argv += ["--tmpfs", f"/tmp:rw,nosuid,nodev,size={SCRATCH_MB}m,mode=1777"]
        argv += ["--tmpfs", f"{SCRATCH_DIR}:rw,exec,nosuid,nodev,size={SCRATCH_MB}m,mode=1777"]
        for variable, value in BASE_ENV.items():
            argv += ["--env", f"{variable}={value}"]
        argv += [image(), *runner_command("python3", config, same_interpreter=False)]
        return Launch(argv, name=name)

    def kill(self, process: subprocess.Popen, launch: Launch) -> None:
        """``docker kill`` the container (killing the CLI alone would leave it running).

        :param process: the ``docker run`` command.
        :param launch: what started it.
        """
        docker = shutil.which("docker") or "docker"
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run([docker, "kill", launch.name or ""], capture_output=True, timeout=30)
        kill_group(process.pid)
        process.wait()

    def decode_returncode(self, returncode: int) -> tuple[int | None, int | None]:
        """``docker run`` exits with 128 + N when the container's command died by signal N.

        :param returncode: the CLI's return code.
        """
        if returncode > 128:
            return None, returncode - 128
        return super().decode_returncode(returncode)
