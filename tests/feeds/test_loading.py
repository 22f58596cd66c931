"""Loading real-world mess and refusing what cannot work (A1.8, style principle 5/6).

Tolerated: UTF-8 BOM, Latin-1 stops.txt, quoted fields with commas, missing optional files,
H:MM:SS times. Refused with one FeedError naming file, row and field: no stop_times, no
agency_timezone, an unparseable time. A broken trip is excluded and counted; the rest loads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds import FeedInvalid, FeedUnavailable, load_timetable
from feeds.read import read_tables
from tests.feeds.boards import board
from tests.feeds.conftest import LoadFeed
from tests.gtfs_builder import GtfsBuilder, csv_text, write_gtfs_zip

MON_0600 = 1781496000
DAY = (1781474400, 1781474400 + 30 * 3600)      # service date Mon 2026-06-15


def _feed() -> GtfsBuilder:
    feed = GtfsBuilder()
    feed.add_stop("A", "Römisches Theater").add_stop("B", "Zollhafen").add_stop("C", "Kastel")
    feed.add_route("R", "6")
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("good", "R", "MON", [("A", "06:00:00"), ("B", "06:10:00"), ("C", "06:20:00")])
    return feed


def _good_trip_still_runs(tt: object) -> None:
    assert [(d.trip_id, d.scheduled) for d in board(tt, "A", *DAY)  # type: ignore[arg-type]
            if d.trip_id == "good"] == [("good", MON_0600)]


# ---- tolerated ---------------------------------------------------------------------------

def test_utf8_bom_on_every_file(load_feed: LoadFeed) -> None:
    feed = _feed()
    files = {name: b"\xef\xbb\xbf" + csv_text(rows).encode("utf-8")  # type: ignore[arg-type]
             for name, rows in feed.files().items()}
    tt = load_feed(feed, replace=files)
    assert tt.stop_name[tt.find_stop("A")] == "Römisches Theater"
    assert tt.timezone == "Europe/Berlin"
    _good_trip_still_runs(tt)
    assert tt.notes == ()


def test_latin1_stops_txt_is_decoded_and_noted(load_feed: LoadFeed) -> None:
    feed = _feed()
    stops = csv_text(feed.stops).encode("latin-1")
    assert b"R\xf6misches" in stops
    tt = load_feed(feed, replace={"stops": stops})
    assert tt.stop_name[tt.find_stop("A")] == "Römisches Theater"
    assert tt.notes == ("stops.txt: not UTF-8, read as Latin-1",)


def test_real_latin1_feed_reads_norwegian_names(shared_data: Path) -> None:
    tt = load_timetable(shared_data / "edge-cases" / "partridge-region-nord-v2.zip")
    assert tt.stop_name[tt.find_stop("16242135")] == "Olsøya"
    assert tt.stop_name[tt.find_stop("16245135")] == "Olsøya"
    assert "stops.txt: not UTF-8, read as Latin-1" in tt.notes
    assert not any("\ufffd" in name for name in tt.stop_name)


def test_quoted_fields_with_commas_and_quotes(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.stops[0]["stop_name"] = 'Mainz, Hbf "West"'
    feed.trips[0]["trip_headsign"] = "Wiesbaden, Platz der Deutschen Einheit"
    path_text = csv_text(feed.stops)
    assert '"Mainz, Hbf ""West"""' in path_text
    tt = load_feed(feed)
    assert tt.stop_name[tt.find_stop("A")] == 'Mainz, Hbf "West"'
    assert [d.headsign for d in board(tt, "A", *DAY)] == [
        "Wiesbaden, Platz der Deutschen Einheit"]


def test_missing_optional_files_are_fine(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.add_calendar("WK", "1111100", "20260601", "20260630")
    tt = load_feed(feed, omit=("calendar_dates",))
    assert tt.feed_version is None
    assert set(tt.source_counts) == {"agency", "stops", "routes", "trips", "stop_times",
                                     "calendar"}
    assert len(tt.freq_trip) == 0


def test_h_mm_ss_times(load_feed: LoadFeed) -> None:
    feed = GtfsBuilder()
    feed.add_stop("A").add_stop("B")
    feed.add_route("R")
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("t", "R", "MON", [("A", "6:00:00"), ("B", "6:10:00")])
    assert [d.scheduled for d in board(load_feed(feed), "A", *DAY)] == [MON_0600]


def test_extra_unknown_files_and_columns_are_ignored(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.stops[0]["ch_foo"] = "x"
    feed.extra_files["shapes"] = "shape_id,shape_pt_lat\nS,garbage\n"
    feed.extra_files["realtime_routes"] = "not,even\ncsv"
    _good_trip_still_runs(load_feed(feed))


def test_feed_in_a_subfolder_of_the_zip(tmp_path: Path) -> None:
    feed = _feed()
    path = write_gtfs_zip(tmp_path / "nested.zip",
                          {f"gtfs/{k}.txt": v for k, v in feed.files().items()})
    _good_trip_still_runs(load_timetable(path))


# ---- refused -----------------------------------------------------------------------------

def test_no_stop_times_file_is_refused(load_feed: LoadFeed) -> None:
    with pytest.raises(FeedInvalid, match=r"^stop_times\.txt: required file is missing"):
        load_feed(_feed(), omit=("stop_times",))


def test_header_only_stop_times_is_refused(load_feed: LoadFeed) -> None:
    header = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    with pytest.raises(FeedInvalid, match=r"stop_times\.txt"):
        load_feed(_feed(), replace={"stop_times": header})


def test_missing_agency_timezone_names_file_row_and_field(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.agency.append({"agency_id": "ORN", "agency_name": "ORN",
                        "agency_url": "https://orn.de", "agency_timezone": ""})
    with pytest.raises(FeedInvalid) as info:
        load_feed(feed)
    assert str(info.value) == (
        "agency.txt, row 2 (line 3), field agency_timezone: agency_timezone is required")
    assert (info.value.file, info.value.row, info.value.field) == (
        "agency.txt", 2, "agency_timezone")


def test_unknown_agency_timezone_is_refused(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.agency[0]["agency_timezone"] = "Europe/Mainz"
    with pytest.raises(FeedInvalid, match=r"agency\.txt, row 1 .*agency_timezone.*Europe/Mainz"):
        load_feed(feed)


def test_unparseable_time_names_file_row_and_field(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.stop_times[2]["departure_time"] = "6:2O:00"
    with pytest.raises(FeedInvalid) as info:
        load_feed(feed)
    assert (info.value.file, info.value.row, info.value.field) == (
        "stop_times.txt", 3, "departure_time")
    assert "stop_times.txt, row 3 (line 4), field departure_time" in str(info.value)
    assert "'6:2O:00'" in str(info.value)


def test_unparseable_time_row_counts_rows_of_the_file_not_of_known_trips(
        load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.stop_times.insert(0, {"trip_id": "ghost", "arrival_time": "05:00:00",
                               "departure_time": "05:00:00", "stop_id": "A",
                               "stop_sequence": 1})
    feed.stop_times[3]["arrival_time"] = "25:00"
    with pytest.raises(FeedInvalid) as info:
        load_feed(feed)
    assert (info.value.row, info.value.field) == (4, "arrival_time")


def test_bad_calendar_date_names_the_row(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.add_calendar("WK", "1111100", "20260601", "2026-06-30")
    with pytest.raises(FeedInvalid, match=r"calendar\.txt, row 1 .*end_date"):
        load_feed(feed)


def test_not_a_zip_and_missing_file_are_unavailable(tmp_path: Path) -> None:
    junk = tmp_path / "feed.zip"
    junk.write_bytes(b"<html>502 Bad Gateway</html>")
    with pytest.raises(FeedUnavailable, match="not a readable GTFS zip"):
        load_timetable(junk)
    with pytest.raises(FeedUnavailable, match="no such file"):
        load_timetable(tmp_path / "absent.zip")


def test_no_calendar_at_all_is_refused(load_feed: LoadFeed) -> None:
    with pytest.raises(FeedInvalid, match=r"neither calendar\.txt nor calendar_dates\.txt"):
        load_feed(_feed(), omit=("calendar_dates",))


# ---- one broken trip is excluded, counted, and the rest loads ----------------------------

def _with_broken(**broken: list[tuple[object, ...]]) -> GtfsBuilder:
    feed = _feed()
    for trip_id, stop_times in broken.items():
        feed.add_trip(trip_id, "R", "MON", stop_times)  # type: ignore[arg-type]
    return feed


@pytest.mark.parametrize(("stop_times", "reason"), [
    ([("A", "06:00:00"), ("B", "05:50:00")], "time_travel"),
    ([("A", "06:00:00", "05:59:00"), ("B", "06:10:00")], "time_travel"),
    ([("A", "06:00:00"), ("NOWHERE", "06:10:00")], "unknown_stop"),
    ([("A", "06:00:00")], "too_few_stop_times"),
    ([("A", "06:00:00"), ("B", None), ("C", None)], "missing_trip_edge"),
])
def test_broken_trip_is_excluded_by_reason(load_feed: LoadFeed,
                                           stop_times: list[tuple[object, ...]],
                                           reason: str) -> None:
    tt = load_feed(_with_broken(bad=stop_times))
    assert tt.excluded == {reason: 1}
    _good_trip_still_runs(tt)
    assert [d.trip_id for s in "ABC" for d in board(tt, s, *DAY)] == ["good", "good"]
    bad = tt.find_trip("bad")
    assert tt.trip_st_start[bad] == tt.trip_st_end[bad]


def test_duplicate_stop_sequence_excludes_the_trip(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.add_trip("bad", "R", "MON", [("A", "07:00:00"), ("B", "07:10:00")], sequence_step=0)
    tt = load_feed(feed)
    assert tt.excluded == {"duplicate_stop_sequence": 1}
    _good_trip_still_runs(tt)


def test_unknown_route_and_service_are_counted(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.add_trip("no-route", "NOPE", "MON", [("A", "07:00:00"), ("B", "07:10:00")])
    feed.add_trip("no-service", "R", "NEVER", [("A", "07:00:00"), ("B", "07:10:00")])
    tt = load_feed(feed)
    assert tt.excluded == {"unknown_route": 1, "unknown_service": 1}
    assert [d.trip_id for d in board(tt, "A", *DAY)] == ["good"]


def test_orphan_stop_times_rows_and_duplicate_trip_ids_are_counted(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.add_stop_time("ghost", "A", "07:00:00", "07:00:00", 1)
    feed.add_stop_time("ghost", "B", "07:10:00", "07:10:00", 2)
    feed.trips.append(dict(feed.trips[0]))
    tt = load_feed(feed)
    assert tt.excluded == {"orphan_stop_times": 2, "duplicate_trip_id": 1}
    _good_trip_still_runs(tt)
    assert tt.source_counts["stop_times"] == 5 and len(tt.st_trip) == 3


def test_text_in_a_numeric_column_is_blanked_and_noted(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.trips[0]["direction_id"] = "N"
    tt = load_feed(feed)
    _good_trip_still_runs(tt)
    assert any("trips.txt: direction_id" in note for note in tt.notes)


def test_missing_required_column_names_file_and_field(tmp_path: Path) -> None:
    path = write_gtfs_zip(tmp_path / "nocol.zip", {
        "agency": "agency_name,agency_url,agency_timezone\nX,https://x.example,Europe/Berlin\n",
        "stops": "stop_id,stop_name,stop_lat,stop_lon\nA,A,50,8\nB,B,50,8\n",
        "routes": "route_id,route_type\nR,3\n",
        "trips": "route_id,service_id,trip_id\nR,S,T\n",
        "stop_times": "arrival_time,departure_time,stop_id,stop_sequence\n"
                      "06:00:00,06:00:00,A,1\n06:10:00,06:10:00,B,2\n",
        "calendar_dates": "service_id,date,exception_type\nS,20260101,1\n",
    })
    with pytest.raises(FeedInvalid, match=r"stop_times\.txt, field trip_id: required column"):
        read_tables(path)


def test_binary_garbage_in_a_member_is_a_clear_error(tmp_path: Path) -> None:
    path = write_gtfs_zip(tmp_path / "binary.zip", {
        "agency": "agency_name,agency_url,agency_timezone\nX,https://x.example,Europe/Berlin\n",
        "stops": "stop_id,stop_name,stop_lat,stop_lon\nA,A,50,8\n",
        "routes": "route_id,route_type\nR,3\n",
        "trips": bytes(range(256)) * 40,
        "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                      "T,06:00:00,06:00:00,A,1\n",
        "calendar_dates": "service_id,date,exception_type\nS,20260101,1\n",
    })
    with pytest.raises(FeedInvalid):
        read_tables(path)


def test_latin1_stop_times_is_decoded_and_noted(load_feed: LoadFeed) -> None:
    feed = _feed()
    for row in feed.stop_times:
        row["stop_headsign"] = "Mühlheim"
    tt = load_feed(feed, replace={"stop_times": csv_text(feed.stop_times).encode("latin-1")})
    assert [d.headsign for d in board(tt, "A", *DAY)] == ["Mühlheim"]
    assert tt.notes == ("stop_times.txt: not UTF-8, read as Latin-1",)


def test_times_with_spaces_and_three_digit_hours(load_feed: LoadFeed) -> None:
    feed = GtfsBuilder()
    feed.add_stop("A").add_stop("B").add_stop("C")
    feed.add_route("R")
    feed.add_date("MON", "20260615", 1)
    feed.add_trip("t", "R", "MON", [("A", " 6:00:00"), ("B", "06:10:00 "), ("C", "100:00:00")])
    tt = load_feed(feed)
    t = tt.find_trip("t")
    assert tt.st_dep[tt.trip_rows(t)].tolist() == [21_600, 22_200, 360_000]


def test_a_trip_whose_rows_are_split_and_shuffled_in_the_file(load_feed: LoadFeed) -> None:
    """Rows of one trip in several places, out of order: the trip is still read whole."""
    feed = _feed()
    feed.add_trip("split", "R", "MON", [("A", "07:00:00"), ("B", "07:10:00"),
                                         ("C", "07:20:00")])
    rows = feed.stop_times
    moved = [r for r in rows if r["trip_id"] == "split"]
    rest = [r for r in rows if r["trip_id"] != "split"]
    feed.stop_times = [moved[2], *rest[:1], moved[0], *rest[1:], moved[1]]
    tt = load_feed(feed)
    trip = tt.find_trip("split")
    assert tt.st_seq[tt.trip_rows(trip)].tolist() == [1, 2, 3]
    assert [d.trip_id for d in board(tt, "B", *DAY)] == ["good", "split"]
    assert tt.excluded == {}


def test_empty_times_are_interpolated_per_trip(load_feed: LoadFeed) -> None:
    """Gaps in two trips (one between others without gaps): each filled from its own trip."""
    feed = _feed()
    feed.add_trip("gap1", "R", "MON", [("A", "07:00:00"), ("B", None), ("C", "07:20:00")])
    feed.add_trip("nogap", "R", "MON", [("A", "08:00:00"), ("C", "08:30:00")])
    feed.add_trip("gap2", "R", "MON", [("A", "09:00:00"), ("B", None), ("C", None),
                                        ("A", "09:30:00")])
    tt = load_feed(feed)
    times = {t: tt.st_dep[tt.trip_rows(tt.find_trip(t))].tolist() for t in ("gap1", "gap2",
                                                                             "nogap")}
    assert times == {"gap1": [25_200, 25_800, 26_400], "nogap": [28_800, 30_600],
                     "gap2": [32_400, 33_000, 33_600, 34_200]}
    approximate = {d.trip_id: d.approximate for d in board(tt, "B", *DAY)}
    assert approximate == {"good": False, "gap1": True, "gap2": True}


def test_text_in_a_numeric_stop_times_column_is_blanked_and_noted(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.stop_times[1]["pickup_type"] = "none"
    for row in feed.stop_times[:1] + feed.stop_times[2:]:
        row["pickup_type"] = 0
    tt = load_feed(feed)
    _good_trip_still_runs(tt)
    assert "stop_times.txt: pickup_type: 1 value(s) not numeric, read as empty " \
           "(first at row 2)" in tt.notes


def test_text_as_stop_sequence_names_the_row(load_feed: LoadFeed) -> None:
    feed = _feed()
    feed.stop_times[2]["stop_sequence"] = "three"
    with pytest.raises(FeedInvalid) as info:
        load_feed(feed)
    assert (info.value.file, info.value.row, info.value.field) == (
        "stop_times.txt", 3, "stop_sequence")
