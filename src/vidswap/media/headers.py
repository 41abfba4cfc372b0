"""HTTP header values for serving stored files."""

from __future__ import annotations

from urllib.parse import quote


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """Return a Content-Disposition value naming ``filename`` (RFC 6266).

    The plain ``filename`` parameter carries an ASCII fallback for old clients;
    ``filename*`` carries the exact UTF-8 name.
    """
    fallback = filename.encode("ascii", "replace").decode("ascii")
    for unsafe in ('"', "\\", "?"):
        fallback = fallback.replace(unsafe, "_")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
