"""HTML to text, and cutting to a field length without ever cutting the marker."""

import pytest

from autotask_fn.mapping.text import ELLIPSIS, fit, html_to_text


def test_html_blocks_become_lines_and_entities_are_decoded() -> None:
    html = ("<p>Replace the <b>POS</b> terminal &amp; test.</p><ul><li>Bring ladder</li>"
            "<li>Call site</li></ul><script>alert(1)</script>Line<br>two")
    assert html_to_text(html) == (
        "Replace the POS terminal & test.\n\n- Bring ladder\n- Call site\n\nLine\ntwo")


def test_plain_text_is_kept_with_whitespace_normalised() -> None:
    assert html_to_text("  a   b \n\n\n c ") == "a b\n\nc"
    assert html_to_text(None) == ""


def test_fit_cuts_the_text_and_keeps_the_marker_whole() -> None:
    marker = "[FN:production:note:123]"
    out = fit("x" * 500, 60, marker)
    assert len(out) == 60
    assert out.endswith(" " + marker)
    assert ELLIPSIS in out


def test_fit_marker_at_start() -> None:
    out = fit("hello world", 30, "[FN:s:note:1]", marker_at="start")
    assert out == "[FN:s:note:1] hello world"


def test_fit_without_limit_or_marker_keeps_everything() -> None:
    assert fit("y" * 40000, None) == "y" * 40000
    assert fit("short", 10) == "short"
    assert fit("too long text", 8) == "too lon" + ELLIPSIS


def test_fit_marker_alone_when_no_room_for_text() -> None:
    assert fit("some text", 14, "[FN:s:note:1]") == "[FN:s:note:1]"


def test_fit_refuses_a_marker_longer_than_the_field() -> None:
    with pytest.raises(ValueError, match="longer than the field"):
        fit("text", 5, "[FN:s:note:1]")
