"""What the probe's JSON and the live cassettes leave out: secrets, tokens, e-mail addresses,
phone numbers, names and street addresses; dates and ids stay readable."""

from __future__ import annotations

from autotask_fn.probe.cassettes import redact_personal
from autotask_fn.probe.report import redact_value


def test_text_loses_tokens_addresses_and_phone_numbers_but_keeps_dates() -> None:
    text = ("Bearer abc.def.ghi from jo@example.org, call +1 555 123 4567 or (555) 123-4567; "
            "logged 2026-11-30 09:00:00 on ticket 29700014")
    assert redact_value(text, ("abc.def.ghi",)) == (
        "Bearer [REDACTED] from [REDACTED], call [REDACTED] or [REDACTED]; "
        "logged 2026-11-30 09:00:00 on ticket 29700014")
    assert redact_value({"access_token": "t0k3n", "expires_in": 3600}) == {
        "access_token": "[REDACTED]", "expires_in": 3600}


def test_people_lose_their_names_wherever_the_run_mentions_them() -> None:
    seen: set[str] = set()
    body = {"assignee": {"id": 7, "first_name": "Ada", "last_name": "Lovelace"},
            "location": {"address1": "1 Main St", "city": "Springfield", "state": "IL"},
            "signatures": {"results": [{"id": 1, "name": "Site Manager", "title": "Boss"}]},
            "company": {"name": "Example MSP LLC"}}
    clean = redact_personal(body, seen=seen)
    assert clean["assignee"] == {"id": 7, "first_name": "[REDACTED]",
                                 "last_name": "[REDACTED]"}
    assert clean["location"] == {"address1": "[REDACTED]", "city": "[REDACTED]", "state": "IL"}
    assert clean["signatures"]["results"][0]["name"] == "[REDACTED]"
    assert clean["company"] == {"name": "Example MSP LLC"}  # a company is not a person
    later = redact_personal({"title": "Signature: Site Manager (Boss)"}, seen=seen)
    assert later == {"title": "Signature: [REDACTED] (Boss)"}
