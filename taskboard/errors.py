"""Domain errors services raise. The API layer maps them (and Django's own
ValidationError, PermissionDenied, ObjectDoesNotExist) to the error envelope; the domain
never imports the API layer."""


class ConflictError(Exception):
    """The request is valid but clashes with the current state (409). `reason` says which
    rule, for clients (the API's `error.reason`), e.g. "wip_limit"."""

    def __init__(self, message: str = "", *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class PreconditionFailedError(Exception):
    """The client's If-Match version is stale (412)."""


class FieldsChangedError(PreconditionFailedError):
    """Fields the client changed were changed by someone else since the values it based its
    edit on (412). `current`: those fields' current values, by name, as the API shows them."""

    def __init__(self, message: str, *, current: dict[str, object]) -> None:
        super().__init__(message)
        self.current = current
