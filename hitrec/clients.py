"""Who is asking: a request's client address, the one way throttles and the audit log read it."""

from rest_framework.throttling import BaseThrottle

UNKNOWN = "unknown"


def client_address(request) -> str:
    """The client's address as DRF tells it (REMOTE_ADDR, or X-Forwarded-For past NUM_PROXIES)."""
    return BaseThrottle().get_ident(request) or UNKNOWN
