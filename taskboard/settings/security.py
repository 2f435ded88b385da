"""Browser-side defences sent with every response (docs/security.md "Content-Security-Policy").

The pages were written for this policy: no inline script or style, no event-handler
attribute, no eval (htmx is told so in templates/base.html), nothing from another origin.
A page that needs more must say so here, with the reason, not loosen it per view.
"""

from csp.constants import NONE, SELF

__all__ = ["CONTENT_SECURITY_POLICY", "PERMISSIONS_POLICY"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Swagger UI draws some icons from data: URLs.
        "img-src": [SELF, "data:"],
        # taskboard.content_security_policy adds the board socket's ws(s):// origin, taken
        # from the request's validated Host: 'self' covers it only in CSP3 browsers.
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        # X-Frame-Options: DENY says the same to browsers without CSP2.
        "frame-ancestors": [NONE],
    }
}

# Features no page of Taskboard uses, off for the page and every frame in it. Only names
# Chromium knows: it logs an error for others (the browser tests fail on it), such as
# interest-cohort (FLoC, replaced by browsing-topics) and bluetooth.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
