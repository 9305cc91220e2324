"""(6) Serving the feed folder: requests per second and p99 latency for 200 and 304 (If-None-Match) under
concurrent clients (`wrk`, from Debian), for `aktuellt serve` and for nginx (one worker process, the same
folder) as the anchor. Both listen on 127.0.0.1 and run beside the load tool on the same cores.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from .common import BIN, ROOT, Row, Site, median, run_process, write_config

DURATION = "3s"
CONNECTIONS = 32
THREADS = 2
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def _wrk(url: str, headers: dict[str, str]) -> tuple[float, float]:
    argv = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p99, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out).groups()  # type: ignore[union-attr]
    return rps, float(p99) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def _load(url: str, repeat: int) -> dict[str, tuple[float, float]]:
    etag = httpx.head(url).headers["etag"]
    results = {}
    for label, headers in (("200", {}), ("304", {"If-None-Match": etag})):
        status = httpx.get(url, headers=headers).status_code
        assert status == int(label), (url, label, status)
        runs = [_wrk(url, headers) for _ in range(repeat)]
        results[label] = (median([r[0] for r in runs]), median([r[1] for r in runs]))
    return results


def _nginx(folder: Path, port: int) -> subprocess.Popen[bytes]:
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    server {{ listen 127.0.0.1:{port}; root {folder}/feeds; }}
}}
"""
    )
    return subprocess.Popen([NGINX, "-c", str(conf), "-e", str(folder / "nginx-error.log")])


def _has_serve() -> bool:
    """The feed server is another issue's work: measure it only once `aktuellt serve` exists."""
    argv = [str(BIN / "aktuellt"), "serve", "--help"]
    return subprocess.run(argv, capture_output=True).returncode == 0


def _stop(child: subprocess.Popen[bytes]) -> None:
    child.terminate()
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def run(repeat: int = 3) -> list[Row]:
    if shutil.which("wrk") is None or not os.path.exists(NGINX):
        return [Row("6", "serving", "skipped: wrk or nginx missing (make bench installs them via apt)")]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, Site(per_page=9) as site:
        folder = Path(tmp)
        os.chmod(folder, 0o755)  # nginx's worker runs as an unprivileged user
        config = write_config(folder, site.listing_url)
        assert run_process([str(BIN / "aktuellt"), "--config", str(config), "run"]).returncode == 0
        os.chmod(folder / "feeds", 0o755)
        port = _free_port()
        nginx = _nginx(folder, port)
        try:
            _wait_for(f"http://127.0.0.1:{port}/all.atom")
            anchor = _load(f"http://127.0.0.1:{port}/all.atom", repeat)
        finally:
            _stop(nginx)
        ours = None
        if _has_serve():
            port = _free_port()
            text = config.read_text().replace("[fetch]", f"[server]\nport = {port}\n[fetch]")
            config.write_text(text + '\n[schedule]\nevery = "24h"\n')
            server = subprocess.Popen(
                [str(BIN / "aktuellt"), "--config", str(config), "-q", "serve"], cwd=ROOT
            )
            try:
                _wait_for(f"http://127.0.0.1:{port}/all.atom")
                ours = _load(f"http://127.0.0.1:{port}/all.atom", repeat)
            finally:
                _stop(server)
    for label in ("200", "304"):
        rps_n, p99_n = anchor[label]
        base = f"nginx {rps_n:.0f} req/s, p99 {p99_n:.2f} ms"
        if ours is None:
            rows.append(Row("6", f"serve all.atom, {label}", "aktuellt serve not available", base))
            continue
        rps, p99 = ours[label]
        rows.append(
            Row("6", f"serve all.atom, {label}, {CONNECTIONS} clients", f"{rps:.0f} req/s, p99 {p99:.2f} ms",
                base, f"{rps / rps_n:.2f}× throughput, {p99 / p99_n:.1f}× p99", "", None)
        )  # fmt: skip
    return rows
