class ApplicationError(Exception):
    """A domain failure that is not tied to one field: shown to the user as it is."""

    def __init__(self, message, *, extra=None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
