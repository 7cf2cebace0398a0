"""Domain rules as plain functions over the session: no request, no response."""


class ServiceError(Exception):
    """A rule refused the operation; the message is safe to show to the person who asked."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs beside, if any
