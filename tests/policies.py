"""The Content-Security-Policy and Permissions-Policy every response must carry, as the
header tests and the browser tests expect them (docs/security.md "Content-Security-Policy")."""

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), "
    "display-capture=(), encrypted-media=(), geolocation=(), gyroscope=(), hid=(), "
    "idle-detection=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), "
    "xr-spatial-tracking=()"
)


def strict_policy(socket_origin: str | None) -> dict[str, list[str]]:
    """The policy as `directives()` parses it; `socket_origin` is the page's ws(s)://host."""
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", socket_origin] if socket_origin else ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


def directives(header: str) -> dict[str, list[str]]:
    """The header as {directive: sources}: django-csp does not promise an order."""
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} twice in {header!r}"
        parsed[name] = sources
    return parsed
