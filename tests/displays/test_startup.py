"""Start-up as an operator meets it: every configuration error at once, in one clean message,
exit code 2, no traceback — before the feed is loaded where possible."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from displays.service.config.displays_file import DisplayConfigError, load_displays
from displays.service.config.settings import SettingsError, load_settings
from tests.faults.harness import ROOT, service_env
from tests.redis_server import free_port


def serve(*args: str, env: dict[str, str] | None = None, timeout_s: float = 60
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "displays.cli", "serve", "--host",
                           "127.0.0.1", *args], cwd=ROOT, env=service_env(**(env or {})),
                          capture_output=True, text=True, timeout=timeout_s)


def assert_clean_failure(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if not line.startswith("{")]
    assert lines[0].startswith("abfahrt: error: "), result.stderr
    return lines


BAD_DISPLAYS = """
[displays.hbf]
stops = ["de:07315:1001"]
theme = "neon"
rows = "acht"
refersh = 30
"""


def test_a_displays_file_with_three_errors_names_all_three(tmp_path: Path) -> None:
    path = tmp_path / "displays.toml"
    path.write_text(BAD_DISPLAYS)
    with pytest.raises(DisplayConfigError) as caught:
        load_displays(path)
    assert len(caught.value.problems) == 3
    result = serve("--displays", str(path), "--data-dir", str(tmp_path / "data"),
                   "--port", str(free_port()))
    lines = assert_clean_failure(result)
    text = "\n".join(lines)
    assert f"displays file {path}: 3 errors" in lines[0]
    assert "displays.hbf.theme = 'neon': must be one of lcd, contrast, epaper" in text
    assert "displays.hbf.rows = 'acht': must be a whole number" in text
    assert "displays.hbf.refersh: unknown key (did you mean 'refresh'?)" in text
    # before the feed: the demo feed was never written
    assert not (tmp_path / "data" / "demo").exists()


def test_unknown_display_stops_are_named_after_the_feed_loads(tmp_path: Path) -> None:
    path = tmp_path / "displays.toml"
    path.write_text('[displays.a]\nstops = ["de:07315:1001", "de:07315:nope"]\n'
                    '[displays.b]\nstops = ["elsewhere"]\n')
    result = serve("--displays", str(path), "--data-dir", str(tmp_path / "data"),
                   "--port", str(free_port()))
    text = "\n".join(assert_clean_failure(result))
    assert "displays.a.stops: 'de:07315:nope' is not a stop of the timetable" in text
    assert "displays.b.stops: 'elsewhere' is not a stop of the timetable" in text


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = serve("--port", str(port), "--data-dir", str(tmp_path))
    lines = assert_clean_failure(result)
    assert len(lines) == 1
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in lines[0]
    assert not (tmp_path / "demo").exists(), "the port is checked before the feed loads"


def test_missing_files_and_an_unreachable_feed_url(tmp_path: Path) -> None:
    result = serve("--feed", str(tmp_path / "gtfs.zip"), "--realtime", str(tmp_path / "tu.pb"),
                   "--data-dir", str(tmp_path), "--port", str(free_port()))
    text = "\n".join(assert_clean_failure(result))
    assert f"feed {tmp_path / 'gtfs.zip'}: no such file" in text
    assert f"realtime source {tmp_path / 'tu.pb'}: no such file" in text
    url = f"http://127.0.0.1:{free_port()}/gtfs.zip"
    result = serve("--feed", url, "--data-dir", str(tmp_path), "--port", str(free_port()))
    lines = assert_clean_failure(result)
    assert len(lines) == 1 and f"cannot load the static feed {url}" in lines[0]


def test_settings_from_the_environment_list_every_error_and_unknown_names() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"ABFAHRT_MAX_AGE": "soon", "ABFAHRT_PORT": "70000",
                       "ABFAHRT_REALTIME_INTERVALL": "5", "ABFAHRT_LOG_LEVEL": "loud"})
    problems = caught.value.problems
    assert len(problems) == 4, problems
    assert "ABFAHRT_MAX_AGE='soon': must be a whole number" in problems
    assert "ABFAHRT_PORT='70000': must be at most 65535" in problems
    assert ("ABFAHRT_REALTIME_INTERVALL: unknown setting (did you mean "
            "'ABFAHRT_REALTIME_INTERVAL'?)") in problems
    assert any(p.startswith("ABFAHRT_LOG_LEVEL='loud': must be one of") for p in problems)
    result = serve("--data-dir", "/tmp", env={"ABFAHRT_REFRESH_INTERVAL": "5"})
    lines = assert_clean_failure(result)
    assert "ABFAHRT_REFRESH_INTERVAL: unknown setting" in lines[0]


def test_the_data_folder_defaults_to_one_documented_place() -> None:
    assert load_settings({"STATE_DIRECTORY": "/var/lib/abfahrt"}).data_dir == \
        Path("/var/lib/abfahrt")
    assert load_settings({"XDG_DATA_HOME": "/home/it/.local/share"}).data_dir == \
        Path("/home/it/.local/share/abfahrt")
    assert load_settings({"ABFAHRT_DATA_DIR": "/srv/abfahrt",
                          "STATE_DIRECTORY": "/var/lib/abfahrt"}).data_dir == Path("/srv/abfahrt")
    assert load_settings({}).data_dir.is_absolute()
