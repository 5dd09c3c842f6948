"""Report kernels talk over Unix sockets in a private folder, not TCP ports of localhost."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import tempfile
from pathlib import Path

import pytest

from soteria_research.batch import forkserver, kernels

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="Unix sockets"),
]


def _listening_tcp_ports(pid: int) -> set[int]:
    """TCP ports the process listens on (Linux: its socket inodes against /proc/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


async def _run_kernel(manager_class, runtime: Path) -> dict:
    km = manager_class(kernel_name="python3")
    await km.start_kernel()
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        client.execute("import os; print(os.getpid())")
        while True:
            msg = await client.get_iopub_msg(timeout=30)
            if msg["msg_type"] == "stream":
                pid = int(msg["content"]["text"])
                break
        seen = {
            "transport": km.transport,
            "connection_file": Path(km.connection_file),
            "sockets": [
                stat.S_ISSOCK(path.stat().st_mode) for path in runtime.glob("kernel-*-ipc-*")
            ],
            "tcp": _listening_tcp_ports(pid) if sys.platform.startswith("linux") else set(),
        }
    finally:
        client.stop_channels()
        await km.shutdown_kernel(now=True)
    seen["left"] = sorted(runtime.iterdir())
    return seen


@pytest.fixture
def runtime(monkeypatch):
    # short (not under pytest's tmp_path): a socket's path must fit in about 100 bytes
    with tempfile.TemporaryDirectory(prefix="rt", dir="/tmp") as tmp:
        folder = Path(tmp) / "runtime"
        monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(folder))
        yield folder


@pytest.mark.parametrize("fork", [False, True], ids=["started", "forked"])
def test_kernel_channels_are_unix_sockets_in_a_private_folder(runtime, fork, capfd) -> None:
    if fork and not forkserver.enabled():
        pytest.skip("no fork server here")
    manager = forkserver.ForkKernelManager if fork else kernels.IpcKernelManager
    try:
        seen = asyncio.run(_run_kernel(manager, runtime))
    finally:
        forkserver._Server.stop()
    assert seen["transport"] == "ipc"
    assert seen["connection_file"].parent == runtime
    assert runtime.stat().st_mode & 0o777 == 0o700  # made private: only its owner
    assert seen["sockets"] == [True] * 5  # shell, iopub, stdin, control, heartbeat
    # no channel on a TCP port: the one port left is ipykernel's own pipe for the output of
    # processes the kernel forks, which only takes messages in (and drops those without its
    # random id); a kernel on TCP listens on six
    assert len(seen["tcp"]) <= 1
    assert seen["left"] == []  # sockets and connection file removed at shutdown
    assert "TCP without encryption" not in capfd.readouterr().err


def test_a_runtime_folder_too_long_for_a_socket_falls_back_to_tcp(tmp_path, monkeypatch, caplog):
    deep = tmp_path / ("x" * 60) / ("y" * 40)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(deep))
    with caplog.at_level(logging.WARNING, logger=kernels.__name__):
        km = kernels.IpcKernelManager(kernel_name="python3")
        assert km.transport == "tcp"
    assert "too long for a Unix socket" in caplog.text
    assert "JUPYTER_RUNTIME_DIR" in caplog.text
