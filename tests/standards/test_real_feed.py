"""A real matched pair (Caltrain with its trip updates): SIRI, OJP and TRIAS say of every
departure what the contract document says, field by field, for the same board."""

from __future__ import annotations

from pathlib import Path

import pytest

from displays.board.build import build_board
from displays.board.document import board_document
from displays.cli.common import open_timetable
from displays.cli.realtime import load_realtime_state
from displays.standards import ojp, siri_sm, trias
from displays.standards.query import BoardQuery
from displays.standards.tree import xml_bytes
from tests.instants import instant
from tests.standards.agreement import contract_rows, ojp_rows, siri_rows, trias_rows
from tests.standards.conftest import Validate


def test_caltrain_with_its_trip_updates(shared_data: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        valid: Validate) -> None:
    monkeypatch.setenv("ABFAHRT_CACHE_DIR", str(tmp_path / "cache"))
    data = shared_data / "caltrain-2023"
    tt = open_timetable(str(data / "gtfs.zip"))
    state, ignored = load_realtime_state(
        tt, [str(data / "trip-updates-20231108T010534Z.pb"),
             str(data / "vehicle-positions-20231108T010559Z.pb")])
    assert ignored == []
    board = build_board(tt, tt.find_stop("70012"), instant("2023-11-07T17:05:00-08:00"), 3600,
                        30, realtime=state)
    document = board_document(board)
    assert sum(d["realtime"] for d in document["departures"]) >= 3
    ask = BoardQuery("70012")
    sm = xml_bytes(siri_sm.stop_monitoring(board, siri_sm.StopMonitoringQuery(ask), "x"))
    valid("siri", sm)
    assert siri_rows(sm) == contract_rows(document, "siri")
    events = xml_bytes(ojp.stop_events(board, ojp.StopEventQuery(ask), "x"))
    valid("ojp", events)
    assert ojp_rows(events) == contract_rows(document, "ojp")
    events = xml_bytes(trias.stop_events(board, trias.StopEventQuery(ask, realtime=True), "x"))
    valid("trias", events)
    assert trias_rows(events) == contract_rows(document, "trias")
