"""The address a browser on this machine reaches `make run` at, from the host and port the
server listens on."""

# Listening on every interface: this machine is one of them, and the default ALLOWED_HOSTS
# answers to 127.0.0.1; another machine's address can't be guessed (set SITE_URL).
EVERY_INTERFACE = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 (recognised, not bound)


def local_address(host: str, port: int) -> str:
    if host in EVERY_INTERFACE:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"
