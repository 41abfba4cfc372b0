"""Errors the API client raises. Views show their ``message`` as it is."""

from __future__ import annotations


class ClientError(Exception):
    """Base class of every error the client raises to view models."""

    code = "client_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiError(ClientError):
    """The server rejected a request: ``code`` and ``message`` come from its JSON body
    ``{"error": CODE, "message": TEXT}``, the message in the language that was requested."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status

    def __repr__(self) -> str:
        return f"ApiError(code={self.code!r}, status={self.status}, message={self.message!r})"


class SessionExpired(ClientError):
    """The access token expired and the refresh token could not renew it: sign in again."""

    code = "session_expired"


class Offline(ClientError):
    """The server could not be reached (connection refused, DNS, timeout, reset)."""

    code = "offline"

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url
