"""Notice input validation: every problem is named by its field; text stays plain text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from displays.board.alert import Placement
from displays.board.notice_rules import RouteTarget
from displays.notices.model import Status, notice_dict
from displays.notices.validation import (
    Catalog,
    NoticeInvalid,
    clean_text,
    merge_patch,
    parse_notice,
)
from tests.notices.conftest import BERLIN, HBF, SCHILLER, local

NOW = local("2026-03-02 08:00")


def parse(catalog: Catalog, body: Any, **kw: Any) -> Any:
    return parse_notice(body, catalog=catalog, zone=BERLIN, now=NOW, notice_id="op-1",
                        author="Disposition", **kw)


def fields_of(catalog: Catalog, body: Any) -> list[str]:
    with pytest.raises(NoticeInvalid) as caught:
        parse(catalog, body)
    return [f for f, _ in caught.value.errors]


def body(**extra: Any) -> dict[str, Any]:
    return {"text": {"de": "Baustelle"}, "targets": {"stops": [SCHILLER]}, **extra}


def test_minimal_notice_gets_defaults(catalog: Catalog) -> None:
    notice = parse(catalog, body())
    assert notice.valid_from == NOW and notice.valid_until is None     # starts now, no end
    assert notice.status is Status.PUBLISHED and notice.priority == 3
    assert notice.display is Placement.TICKER and notice.author == "Disposition"
    assert notice.created == NOW == notice.updated


def test_full_shape_is_accepted(catalog: Catalog) -> None:
    notice = parse(catalog, {
        "text": {"de": "Umleitung", "en": "Detour"}, "audio_text": {"de": "Achtung"},
        "header": {"de": "Linie 50 Umleitung"},
        "targets": {"all": False, "stops": [HBF], "routes": [{"id": "50", "direction": 0}, "52"],
                    "displays": ["hbf-tram"]},
        "valid_from": "2026-03-02T06:00:00+01:00", "valid_until": "2026-03-09T06:00",
        "weekdays": [5, 1, 1], "daily": {"from": "06:00", "until": "09:00"}, "priority": 1,
        "display": "takeover", "cause": "CONSTRUCTION", "effect": "DETOUR",
        "severity": "WARNING", "status": "draft", "url": "https://mainzer-mobilitaet.de/x"})
    assert notice.targets.routes == (RouteTarget("50", 0), RouteTarget("52", None))
    assert notice.valid_until == local("2026-03-09 06:00")   # no offset: agency local time
    assert notice.weekdays == (1, 5)
    assert notice.daily is not None and (notice.daily.start, notice.daily.end) == (360, 540)
    out = notice_dict(notice, BERLIN)
    assert out["valid_until"] == "2026-03-09T06:00:00+01:00"
    assert out["daily"] == {"from": "06:00", "until": "09:00"}


@pytest.mark.parametrize(("bad", "field"), [
    ({"text": {"en": "only English"}}, "text.de"),
    ({"text": {"de": "   "}}, "text.de"),
    ({"text": {"de": "x" * 2001}}, "text.de"),
    ({"text": {"de": "ok", "fr": "non"}}, "text.fr"),
    ({"header": {"de": "h" * 201}}, "header.de"),
    ({"targets": {}}, "targets"),
    ({"targets": {"stops": ["de:07315:9999"]}}, "targets.stops[0]"),
    ({"targets": {"routes": [{"id": "999"}]}}, "targets.routes[0].id"),
    ({"targets": {"routes": [{"id": "50", "direction": 2}]}}, "targets.routes[0].direction"),
    ({"targets": {"displays": ["nowhere"]}}, "targets.displays[0]"),
    ({"targets": {"all": "yes"}}, "targets.all"),
    ({"valid_from": "2026-03-05T00:00", "valid_until": "2026-03-04T00:00"}, "valid_until"),
    ({"valid_from": "2026-03-05T00:00", "valid_until": "2026-03-05T00:00"}, "valid_until"),
    ({"valid_from": "next tuesday"}, "valid_from"),
    ({"weekdays": [0, 8]}, "weekdays"),
    ({"daily": {"from": "6 Uhr", "until": "09:00"}}, "daily.from"),
    ({"daily": {"from": "09:00", "until": "09:00"}}, "daily.until"),
    ({"priority": 6}, "priority"),
    ({"priority": True}, "priority"),
    ({"display": "banner"}, "display"),
    ({"cause": "ALIENS"}, "cause"),
    ({"effect": "detour"}, "effect"),
    ({"severity": "CRITICAL"}, "severity"),
    ({"status": "withdrawn"}, "status"),
    ({"valid_to": "2026-03-05T00:00"}, "valid_to"),
])
def test_bad_input_names_the_field(catalog: Catalog, bad: dict[str, Any], field: str) -> None:
    assert field in fields_of(catalog, {**body(), **bad})


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "http://example.org/",
    "vbscript:msgbox(1)", "https://", "https://exa mple.org/", "//evil.example/x",
    "https://example.org/\x00x",
])
def test_only_https_links(catalog: Catalog, url: str) -> None:
    assert fields_of(catalog, body(url=url)) == ["url"]


def test_every_problem_is_reported_at_once(catalog: Catalog) -> None:
    assert fields_of(catalog, {"text": {}, "targets": {"stops": ["x"]}, "priority": 0}) == [
        "text.de", "targets.stops[0]", "priority"]


def test_not_an_object(catalog: Catalog) -> None:
    assert fields_of(catalog, ["text"]) == ["body"]


def test_text_is_cleaned_not_interpreted() -> None:
    assert clean_text("Cafe\u0301 am Ho\u0308fchen") == "Café am Höfchen"          # NFC
    assert clean_text("A\x00B\x1bC\u202eD\u2066E") == "ABCDE"          # control, bidi
    assert clean_text("  Zeile 1\r\nZeile 2\t!  ") == "Zeile 1\nZeile 2 !"
    assert clean_text("<script>alert(1)</script>") == "<script>alert(1)</script>"
    assert clean_text("a\nb", single_line=True) == "a b"


def test_length_counts_characters_after_nfc(catalog: Catalog) -> None:
    decomposed = "o\u0308" * 200                    # 400 code points, 200 characters
    notice = parse(catalog, body(header={"de": decomposed}))
    assert len(notice.header["de"]) == 200


def test_merge_patch() -> None:
    base = {"text": {"de": "a", "en": "b"}, "priority": 2, "valid_until": "x"}
    assert merge_patch(base, {"text": {"en": None}, "valid_until": None, "priority": 1}) == {
        "text": {"de": "a"}, "priority": 1}


EXTREMES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00",
            "9999-12-31T23:59", "1899-12-31T23:00:00Z", "2101-01-01T00:00:00+01:00"]


@pytest.mark.parametrize("raw", EXTREMES)
def test_instants_out_of_range_are_field_errors(catalog: Catalog, raw: str) -> None:
    for name in ("valid_from", "valid_until"):
        assert name in fields_of(catalog, body(**{name: raw}))


SOME_STOP = Catalog(has_stop=lambda s: s == SCHILLER, has_route=lambda r: False,
                    displays=frozenset())


NAIVE = dt.datetime.fromisoformat        # hypothesis bounds are naive
MOMENTS = st.one_of(st.datetimes(), st.datetimes(max_value=NAIVE("0001-01-03T00:00")),
                    st.datetimes(min_value=NAIVE("9999-12-29T00:00")),
                    st.datetimes(NAIVE("1969-12-29T00:00"), NAIVE("1970-01-03T00:00")),
                    st.datetimes(NAIVE("2099-12-29T00:00"), NAIVE("2101-01-03T00:00")))


@given(MOMENTS, st.integers(-14 * 60, 14 * 60), st.booleans(),
       st.sampled_from(["valid_from", "valid_until"]))
def test_any_instant_is_accepted_and_written_or_named(moment: dt.datetime, offset_min: int,
                                                      naive: bool, name: str) -> None:
    """Over the whole datetime range: a notice either is valid and can be written out (ISO
    8601 with offset), or the instant is named as a field error; nothing else is raised."""
    zone = None if naive else dt.timezone(dt.timedelta(minutes=offset_min))
    raw = moment.replace(tzinfo=zone).isoformat()
    try:
        notice = parse_notice(body(**{name: raw}), catalog=SOME_STOP, zone=BERLIN, now=NOW,
                              notice_id="op-1", author="Disposition")
    except NoticeInvalid as exc:
        assert name in [f for f, _ in exc.errors]
        return
    written = notice_dict(notice, BERLIN)
    assert dt.datetime.fromisoformat(written[name]).timestamp() == getattr(notice, name)
