import autotask_fn
from autotask_fn._redact import REDACTED, redact_headers, redact_text, redact_url


def test_version_is_exposed() -> None:
    assert autotask_fn.__version__.count(".") == 2


def test_secret_query_parameters_are_redacted() -> None:
    url = "https://api.test/api/rest/v2/workorders/1?access_token=abc123&columns=title"
    assert redact_url(url) == f"https://api.test/api/rest/v2/workorders/1?access_token={REDACTED}&columns=title"


def test_secret_headers_are_redacted_case_insensitively() -> None:
    headers = {"Secret": "s3cr3t", "UserName": "u@example.com", "ApiIntegrationCode": "X"}
    out = redact_headers(headers)
    assert out == {"Secret": REDACTED, "UserName": "u@example.com", "ApiIntegrationCode": REDACTED}


def test_known_secret_values_are_removed_from_text() -> None:
    assert "hunter22" not in redact_text("login failed for password hunter22", ["hunter22"])
