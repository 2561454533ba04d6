class SummarizerError(Exception):
    """A call that failed; ``transient`` ones are worth retrying."""

    transient = False

    def __init__(self, message: str, *, raw: str = "", retry_after: float | None = None):
        super().__init__(message)
        self.raw = raw
        self.retry_after = retry_after


class TransientError(SummarizerError):
    """429, 5xx, timeouts, dropped connections: retry with backoff."""

    transient = True


class PermanentError(SummarizerError):
    """Bad key, bad request, or output still invalid after one corrective retry: fail now."""
