"""Network facts shared by the clients and the fakes."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(url: str) -> bool:
    """Whether ``url`` names ``localhost`` or a loopback address (``127.x``, ``[::1]``)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except (TypeError, ValueError):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_http(url: str) -> bool:
    """Whether ``url`` is plain ``http://`` to a loopback host: never a real service, so the
    only non-HTTPS URL the fakes accept for webhooks, and credentials sent there stay on
    this machine."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except (TypeError, ValueError):
        return False
    return scheme == "http" and is_loopback_host(url)
