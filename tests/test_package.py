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


def test_only_plain_http_to_this_machine_counts_as_loopback_http() -> None:
    from autotask_fn._net import is_loopback_http

    for url in ("http://127.0.0.1:8401/hook", "http://localhost/x", "http://[::1]:9/",
                "HTTP://127.0.0.2/"):
        assert is_loopback_http(url), url
    for url in ("https://127.0.0.1/x", "http://10.0.0.1/x", "http://example.com/",
                "http://127.0.0.1.example.com/", "ftp://localhost/", "not a url", ""):
        assert not is_loopback_http(url), url
