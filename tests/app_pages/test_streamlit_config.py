"""The dashboard is private by default: it listens on this machine only and sends nothing anywhere.

The settings are read from ``.streamlit/config.toml``; the running server is then checked as it is started
by ``make app`` (no address given on the command line): it listens on loopback addresses only, and at
start-up makes no HTTP request (Streamlit looks up the machine's external IP address on an outside service
when it runs headless without an explicit address; every request would go through the proxy set here).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request

import pytest
from app_support import REPO

CONFIG = REPO / ".streamlit" / "config.toml"
LOOPBACK = {"127.0.0.1", "::1"}


def test_config_listens_on_localhost_and_sends_no_statistics():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["server"]["address"] in ("localhost", "127.0.0.1")
    assert config["browser"]["gatherUsageStats"] is False
    # An explicit address to show: Streamlit then prints it instead of looking up "Network" and
    # "External" URLs (the external one on checkip.amazonaws.com).
    assert config["browser"]["serverAddress"] in ("localhost", "127.0.0.1")


def test_readme_says_how_to_serve_the_dashboard_to_a_team():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "--server.address 0.0.0.0" in readme and "serve it to a team" in readme


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Recorder:
    """A TCP listener standing in for an HTTP proxy: it records every connection and answers nothing."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def test_the_running_dashboard_binds_loopback_only_and_calls_nothing_outside(tmp_path):
    import psutil  # installed with distributed, a dependency
    proxy = _Recorder()
    port = _free_port()
    proxy_url = f"http://127.0.0.1:{proxy.port}"
    env = {**os.environ, "HTTP_PROXY": proxy_url, "HTTPS_PROXY": proxy_url, "http_proxy": proxy_url,
           "https_proxy": proxy_url, "NO_PROXY": "", "no_proxy": "", "WORKBENCH_DEMO_N": "300"}
    log_path = tmp_path / "streamlit.log"
    log = log_path.open("w")
    # As `make app` starts it (the address from the config), headless as on a server.
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true", "--server.fileWatcherType", "none"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the test's own request: direct
        while True:
            try:
                with opener.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("streamlit did not start:\n" + log_path.read_text())
            time.sleep(0.3)
        time.sleep(1.5)  # the start-up banner (and any address look-up) comes right after the server is up
        listening = {c.laddr.ip for c in psutil.Process(proc.pid).net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
        assert listening and listening <= LOOPBACK, listening
        log.flush()
        banner = log_path.read_text()
        assert "External URL" not in banner and "Network URL" not in banner, banner
        assert proxy.connections == 0, "the dashboard made an HTTP request at start-up"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        proxy.close()
