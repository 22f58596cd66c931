"""`abfahrt departures` with several realtime files, one of them garbage or stamped in
milliseconds (issue 15, item 11): like the service, the bad source is reported (stderr and the
document's `realtime.errors`) and the others still apply."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from realtime.encode import encode_feed_dict
from tests.faults.harness import HBF, ROOT, DemoRealtime, service_env
from tests.instants import iso, suite_now


def departures(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "displays.cli", "departures", *args],
                          cwd=ROOT, env=service_env(), capture_output=True, text=True,
                          timeout=120, check=False)


def test_a_bad_file_among_good_ones_is_reported_and_the_others_apply(
        tmp_path: Path, demo_realtime: DemoRealtime) -> None:
    feed = demo_realtime.tt_path
    good = tmp_path / "tripupdates.pb"
    good.write_bytes(demo_realtime.feed())
    garbage = tmp_path / "garbage.pb"
    garbage.write_bytes(b"<html>502 Bad Gateway</html>" * 10)
    millis = tmp_path / "millis.pb"
    millis.write_bytes(encode_feed_dict({"header": {"gtfsRealtimeVersion": "2.0",
                                                    "timestamp": str(suite_now() * 1000)}}))
    done = departures("--feed", str(feed), "--stop", HBF, "--at", iso(suite_now()),
                      "--realtime", str(garbage), "--realtime", str(good),
                      "--realtime", str(millis), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["realtime"]["status"] == "live"
    assert any(d["realtime"] for d in document["departures"])
    errors = {e["source"]: e["error"] for e in document["realtime"]["errors"]}
    assert set(errors) == {str(garbage), str(millis)}
    assert "not a GTFS-RT FeedMessage" in errors[str(garbage)]
    assert "milliseconds" in errors[str(millis)]
    warnings = done.stderr.strip().splitlines()
    assert len(warnings) == 2 and all(w.startswith("abfahrt: warning: realtime feed ")
                                      for w in warnings), done.stderr


def test_only_bad_files_is_still_a_usage_error(tmp_path: Path,
                                               demo_realtime: DemoRealtime) -> None:
    feed = demo_realtime.tt_path
    garbage = tmp_path / "garbage.pb"
    garbage.write_bytes(b"garbage")
    done = departures("--feed", str(feed), "--stop", HBF, "--realtime", str(garbage), "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("abfahrt: error: realtime feed ")
