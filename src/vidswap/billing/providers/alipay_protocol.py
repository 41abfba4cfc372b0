"""The wire format of the Alipay open platform with RSA2 keys: amounts, times, signatures.

Alipay amounts are yuan strings with two decimals ("12.80") and its times are
"yyyy-MM-dd HH:mm:ss" in China Standard Time. RSA2 is SHA256withRSA with PKCS#1 v1.5
padding, base64-encoded. These helpers know nothing about orders or HTTP.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from vidswap.kit.settings import SettingsError

# China has kept UTC+8 without daylight saving time since 1991, so a fixed offset
# matches Asia/Shanghai and needs no tz database.
CHINA_TIME = timezone(timedelta(hours=8), "CST")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
YUAN_PATTERN = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?")


class AmountFormatError(ValueError):
    """A string is not a yuan amount with at most two decimals."""


# Amounts ---------------------------------------------------------------------


def fen_to_yuan(fen: int) -> str:
    """Format integer fen as Alipay's yuan string: 1280 -> "12.80"."""
    if fen < 0:
        raise ValueError(f"an Alipay amount cannot be negative, got {fen} fen")
    return f"{fen // 100}.{fen % 100:02d}"


def yuan_to_fen(yuan: str) -> int:
    """Parse Alipay's yuan string into integer fen exactly: "12.80" -> 1280."""
    match = YUAN_PATTERN.fullmatch(yuan)
    if match is None:
        raise AmountFormatError(f"{yuan!r} is not an amount in yuan with at most two decimals")
    whole, fraction = match.group(1), match.group(2) or ""
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


# Times -----------------------------------------------------------------------


def china_time(moment: datetime, time_format: str = TIME_FORMAT) -> str:
    """Format ``moment`` in China time, taking a naive ``moment`` as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TIME).strftime(time_format)


def parse_china_time(value: str) -> datetime | None:
    """Parse a "yyyy-MM-dd HH:mm:ss" China time, with or without the milliseconds
    that ``gmt_refund`` carries. Return None for any other form."""
    for time_format in (TIME_FORMAT, TIME_FORMAT + ".%f"):
        try:
            return datetime.strptime(value, time_format).replace(tzinfo=CHINA_TIME)
        except ValueError:
            continue
    return None


# Signatures ------------------------------------------------------------------


def request_sign_content(params: Mapping[str, str]) -> str:
    """Return the string a request signature covers.

    Every parameter but ``sign`` with a non-empty value, sorted by key, joined as
    ``k=v`` with ``&``, values not URL-encoded. ``sign_type`` is included.
    """
    items = sorted((key, value) for key, value in params.items() if key != "sign" and value)
    return "&".join(f"{key}={value}" for key, value in items)


def notify_sign_content(fields: Mapping[str, str]) -> str:
    """Return the string the signature of an async notify covers.

    Every field but ``sign`` and ``sign_type``, sorted by key, URL-decoded values.
    Empty values stay in, as ``AlipaySignature.getSignCheckContentV1`` of Alipay's
    Java SDK keeps them.
    """
    items = sorted(
        (key, value) for key, value in fields.items() if key not in ("sign", "sign_type")
    )
    return "&".join(f"{key}={value}" for key, value in items)


def rsa2_sign(content: str, private_key: rsa.RSAPrivateKey) -> str:
    signature = private_key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa2_verify(content: str, signature: str, public_key: rsa.RSAPublicKey) -> bool:
    """Check a base64 RSA2 signature, returning False for a wrong signature or bad base64."""
    try:
        raw_signature = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        public_key.verify(
            raw_signature, content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        return False
    return True


def response_sign_content(text: str, response_key: str) -> str | None:
    """Return the exact text of the ``response_key`` object in an API response body.

    Alipay signs the characters of that object as it sent them, so re-serialising the
    parsed JSON would change spacing, key order or escapes and break the check. The
    object ends where a JSON decoder stops reading it, which is brace matching that
    also skips braces inside string values. None when the key or object is missing.
    """
    match = re.search(rf'"{re.escape(response_key)}"\s*:\s*', text)
    if match is None:
        return None
    start = match.end()
    try:
        value, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, dict):
        return None
    return text[start:end]


# Keys ------------------------------------------------------------------------


def load_private_key(path: Path, setting: str) -> rsa.RSAPrivateKey:
    """Read an RSA private key: PEM (PKCS#8 or PKCS#1), or the bare base64 PKCS#8
    body that Alipay's key tool writes."""
    data = read_key_file(path, setting)
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(decode_bare_key(data), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SettingsError(
            name=setting,
            detail=f"{path} is not an unencrypted RSA private key in PEM or base64 form",
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SettingsError(name=setting, detail=f"{path} contains a key that is not RSA")
    return key


def load_public_key(path: Path, setting: str) -> rsa.RSAPublicKey:
    """Read an RSA public key: PEM, or the bare base64 body Alipay's console shows."""
    data = read_key_file(path, setting)
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(decode_bare_key(data))
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SettingsError(
            name=setting, detail=f"{path} is not an RSA public key in PEM or base64 form"
        ) from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise SettingsError(name=setting, detail=f"{path} contains a key that is not RSA")
    return key


def read_key_file(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SettingsError(
            name=setting, detail=f"cannot read {path}: {exc.strerror or exc}"
        ) from exc


def decode_bare_key(data: bytes) -> bytes:
    """Decode a key written as base64 without PEM lines, raising ValueError if it is not base64."""
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc
