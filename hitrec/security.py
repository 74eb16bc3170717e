"""Security headers on every response: a Content-Security-Policy without inline scripts."""

from django.conf import settings

# Everything the pages need comes from the site itself; nothing runs inline, nothing is
# framed, nothing is loaded from elsewhere (no third-party scripts, fonts or trackers).
DEFAULT_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), interest-cohort=()"


class SecurityHeadersMiddleware:
    """Adds the site's CSP and Permissions-Policy unless a view set a stricter one itself
    (stored files and the lineage picture carry their own `default-src 'none'`)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "HITREC_CONTENT_SECURITY_POLICY", DEFAULT_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
