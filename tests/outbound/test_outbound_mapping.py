"""The pure mapping helpers of the second half: week endings, money, modes, tokens, base64."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from autotask_fn.fieldnation.models import Expense, structure
from autotask_fn.mapping.attachments import AttachmentMapper, StreamEncoder, carries_token
from autotask_fn.mapping.billing import BillingMapper, week_ending
from autotask_fn.mapping.markers import Marker


@pytest.mark.parametrize(("day", "ending"), [
    (date(2026, 1, 5), date(2026, 1, 10)),   # Monday -> Saturday
    (date(2026, 1, 10), date(2026, 1, 10)),  # Saturday is its own week ending
    (date(2026, 1, 11), date(2026, 1, 17)),  # Sunday starts the next week
])
def test_week_ending_is_the_next_saturday_or_the_day_itself(day: date, ending: date) -> None:
    assert week_ending(day, 5) == ending


def test_money_is_decimal_to_the_cent() -> None:
    mapper = BillingMapper()
    expense = structure({"id": 1, "amount": "0.575", "quantity": 3}, Expense)
    assert mapper.unit_amount(expense) == Decimal("0.58")
    assert mapper.total(expense) == Decimal("1.74")
    charge = mapper.charge(expense, Marker("e", "charge", "1"), ticket_id=9,
                           day=date(2026, 1, 5), charge_type=1, status=None,
                           billing_code_id=None, billable=True)
    assert charge.fields["unitCost"] == Decimal("0.58")
    assert "billingCodeID" not in charge.fields


def test_expense_dates_are_utc_days() -> None:
    mapper = BillingMapper()
    late = structure({"id": 1, "added": "2026-01-05T23:30:00-05:00"}, Expense)
    assert mapper.expense_date(late, date(2000, 1, 1)) == date(2026, 1, 6)
    undated = structure({"id": 2}, Expense)
    assert mapper.expense_date(undated, date(2026, 2, 1)) == date(2026, 2, 1)


@pytest.mark.parametrize(("url", "secret"), [
    ("https://files.example/a/b.pdf", False),
    ("https://files.example/a/b.pdf?download=1", False),
    ("https://files.example/a/b.pdf?access_token=abc", True),
    ("https://files.example/a/b.pdf?X-Amz-Signature=abc&X-Amz-Date=1", True),
    ("https://files.example/a/b.pdf?sig=abc&se=2026", True),
    ("https://user:pw@files.example/b.pdf", True),
    (None, False),
])
def test_links_carrying_credentials_are_recognised(url: str | None, secret: bool) -> None:
    assert carries_token(url) is secret


def test_the_mode_is_decided_from_size_and_link_alone() -> None:
    mapper = AttachmentMapper()
    assert mapper.mode(100, "https://x/a?token=1", 100) == "embed"
    assert mapper.mode(101, "https://x/a", 100) == "url"
    assert mapper.mode(101, "https://x/a?token=1", 100) == "note"
    assert mapper.mode(None, "https://x/a", 100) == "url"  # unknown size: never downloaded
    assert mapper.mode(101, "https://x/" + "a" * 300, 100) == "note"  # too long for fullPath


@pytest.mark.parametrize("sizes", [[1], [2, 2, 2], [3, 3], [7, 1, 5, 64], []])
def test_stream_encoding_matches_one_shot_base64(sizes: list[int]) -> None:
    chunks = [bytes([n]) * n for n in sizes]
    text, size = StreamEncoder.encode(chunks)
    assert text == base64.b64encode(b"".join(chunks)).decode()
    assert size == sum(sizes)


def test_titles_keep_the_marker_whole_when_names_are_long() -> None:
    marker = Marker("production", "file", "123")
    title = AttachmentMapper().title(marker, "x" * 400)
    assert title.startswith(marker.text)
    assert len(title) == 255


def test_a_receipt_is_read_from_the_expense_and_absent_otherwise() -> None:
    mapper = AttachmentMapper()
    with_receipt = structure({"id": 1, "receipt": {"id": 7, "file": {
        "name": "r.png", "link": "https://x/r.png", "size_bytes": 12}}}, Expense)
    receipt = mapper.receipt(with_receipt)
    assert receipt is not None
    assert (receipt.id, receipt.name, receipt.size_bytes) == (7, "r.png", 12)
    assert mapper.receipt(structure({"id": 2, "receipt": None}, Expense)) is None
