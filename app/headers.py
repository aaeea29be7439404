"""Security headers on every response Flask produces, error pages included.

Flask-Talisman sets CSP, HSTS, X-Frame-Options, X-Content-Type-Options,
Referrer-Policy, Permissions-Policy and the session cookie flags. What it
does not cover (cross-origin isolation, caching, the correlation id) is added
by one ``after_request`` hook here. Flask runs ``after_request`` hooks for
responses made by error handlers too, so 4xx/5xx pages get the same headers.
"""
from __future__ import annotations

from flask import Flask, Response, g, request
from flask_talisman import Talisman

from app.logging_setup import CORRELATION_HEADER

# No inline script or style anywhere, so no nonces and no 'unsafe-inline'.
# Directives without a default-src fallback (frame-ancestors, form-action,
# base-uri) are spelled out.
CONTENT_SECURITY_POLICY = {
    "default-src": "'none'",
    "script-src": "'none'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'none'",
    "connect-src": "'none'",
    "manifest-src": "'none'",
    "media-src": "'none'",
    "worker-src": "'none'",
    "frame-src": "'none'",
    "object-src": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
}

PERMISSIONS_POLICY = {
    feature: "()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "fullscreen", "geolocation", "gyroscope", "magnetometer", "microphone",
        "midi", "payment", "picture-in-picture", "publickey-credentials-get",
        "screen-wake-lock", "sync-xhr", "usb", "xr-spatial-tracking",
    )
}

CROSS_ORIGIN_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Permitted-Cross-Domain-Policies": "none",
}

# Page responses may contain per-visitor data (the form's CSRF token), so no
# cache may keep them. Static files keep Flask's validator-based caching.
NO_STORE = "no-store, max-age=0"


def init_security_headers(app: Flask) -> None:
    Talisman(
        app,
        # TLS ends at the gateway in front of the app; it redirects to HTTPS.
        force_https=False,
        frame_options="DENY",
        strict_transport_security=True,
        strict_transport_security_max_age=31536000,
        strict_transport_security_include_subdomains=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        # same-origin: no referrer leaks to the external links, while same-site
        # form posts keep the Referer that Flask-WTF checks over HTTPS.
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        # The Feature-Policy header is deprecated (ZAP rule 10063 flags it).
        feature_policy={},
        document_policy={},
        session_cookie_secure=True,
        session_cookie_http_only=True,
        session_cookie_samesite="Strict",
    )
    app.after_request(_add_remaining_headers)


def _add_remaining_headers(response: Response) -> Response:
    for name, value in CROSS_ORIGIN_HEADERS.items():
        response.headers[name] = value
    if request.endpoint != "static":
        response.headers["Cache-Control"] = NO_STORE
        response.headers["Pragma"] = "no-cache"
    correlation_id = g.get("correlation_id")
    if correlation_id:
        response.headers[CORRELATION_HEADER] = correlation_id
    # Flask sets neither, but a proxy or library might; never disclose them.
    response.headers.pop("X-Powered-By", None)
    response.headers.pop("Server", None)
    return response
