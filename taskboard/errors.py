"""Domain errors services raise. The API layer maps them (and Django's own
ValidationError, PermissionDenied, ObjectDoesNotExist) to the error envelope; the domain
never imports the API layer."""


class ConflictError(Exception):
    """The request is valid but clashes with the current state (409)."""


class PreconditionFailedError(Exception):
    """The client's If-Match version is stale (412)."""
