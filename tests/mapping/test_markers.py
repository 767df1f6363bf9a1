"""Markers: exact matching (45 never matches 456), parsing, finding in text."""

import pytest

from autotask_fn.mapping.markers import Marker, Markers, find_markers


def test_marker_text_has_closing_bracket() -> None:
    assert Marker("production", "wo", 45).text == "[FN:production:wo:45]"


def test_marker_45_does_not_match_text_of_456() -> None:
    text = "something [FN:production:wo:456] else"
    assert not Marker("production", "wo", "45").in_text(text)
    assert Marker("production", "wo", "456").in_text(text)


def test_parse_round_trips_split_and_reply_ids() -> None:
    for fn_id in ("77#0", "abc/def", "12"):
        marker = Marker("sandbox", "timelog", fn_id)
        assert Marker.parse(marker.text) == marker


def test_parse_rejects_text_that_is_not_exactly_a_marker() -> None:
    with pytest.raises(ValueError, match="not a marker"):
        Marker.parse("[FN:sandbox:wo:1] tail")


@pytest.mark.parametrize("bad", ["", "a:b", "a]b", "a b", "[x"])
def test_parts_with_separators_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="marker"):
        Marker("sandbox", "wo", bad)


def test_find_markers_filters_by_env_and_kind() -> None:
    text = ("[FN:sandbox:note:1] [FN:production:note:2] [FN:sandbox:timelog:3#1] "
            "[FN:sandbox:note:4]")
    assert [m.id for m in find_markers(text, env="sandbox", kind="note")] == ["1", "4"]
    assert Markers("sandbox").find(text, "timelog") == [Marker("sandbox", "timelog", "3#1")]
    assert list(find_markers(None)) == []
