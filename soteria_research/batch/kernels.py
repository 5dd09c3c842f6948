"""The kernel manager of the reports' kernels: channels on private Unix sockets.

A kernel started the usual way listens on five TCP ports of localhost. Anyone else logged
in to the same machine can connect to them, and the output channel answers any subscriber
without the session key: every output a report's cells send (tables, figures, a failing
cell's traceback) could be read there while it runs. ipykernel warns of this at every
start. These are rape case records, and research machines are often shared.

:class:`IpcKernelManager` starts its kernels on the ``ipc`` transport instead: the channels
are Unix sockets beside the connection file, in Jupyter's runtime folder, which only its
owner can enter (it is made with mode 0700 when missing). ipykernel keeps one TCP port of
its own, which only takes messages in (the output of processes a kernel forks, each
message carrying a random id). A socket's path must be short (the system's limit is about
100 bytes): where the runtime folder's path is too long for that, the kernel falls back to
TCP and the run's log says why. On a system without Unix sockets it uses TCP too.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from traitlets import default

log = logging.getLogger(__name__)

#: Longest socket path used: a sockaddr_un holds 108 bytes on Linux, 104 on macOS.
MAX_SOCKET_PATH = 100
#: What the manager adds to a socket's base path: ``-<port>``, the port a small number.
_PORT_SUFFIX = len("-65535")


def runtime_dir() -> Path:
    """Jupyter's runtime folder, made private to its owner when it is missing."""
    path = Path(jupyter_runtime_dir())
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


class IpcKernelManager(AsyncKernelManager):
    """An :class:`~jupyter_client.manager.AsyncKernelManager` whose kernels talk over Unix
    sockets in the runtime folder (``transport = "ipc"``), not TCP ports of localhost."""

    @default("connection_file")
    def _default_connection_file(self) -> str:
        # 16 hex digits, not a whole UUID: the sockets' paths must stay short
        return str(runtime_dir() / f"kernel-{uuid.uuid4().hex[:16]}.json")

    @default("transport")
    def _default_transport(self) -> str:
        if os.name != "posix":
            return "tcp"
        sockets = os.path.splitext(self.connection_file)[0] + "-ipc"
        if len(os.fsencode(sockets)) + _PORT_SUFFIX > MAX_SOCKET_PATH:
            log.warning(
                "kernel channels on TCP ports of localhost: the runtime folder's path is too "
                "long for a Unix socket (%s); set JUPYTER_RUNTIME_DIR to a shorter one",
                Path(sockets).parent,
            )
            return "tcp"
        return "ipc"
