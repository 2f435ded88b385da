"""django.request logs a PermissionDenied with its traceback (`log_response(...,
exception=exc)`); for a 4xx that is an expected refusal, not our failure, and its one line
(method, path, status) says all there is. 5xx records keep their traceback."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
