"""Signatures and AES-256-GCM decryption of WeChat Pay API v3.

Requests carry a SHA256withRSA (PKCS#1 v1.5) signature made with the merchant API
private key over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n``. Responses and
callbacks are signed by WeChat Pay over ``TIMESTAMP\\nNONCE\\nBODY\\n`` and verified
with the WeChat Pay public key. Callback resources are encrypted with the APIv3 key.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import (
    load_pem_private_key,
    load_pem_public_key,
)

AUTH_SCHEME = "WECHATPAY2-SHA256-RSA2048"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
RESOURCE_ALGORITHM = "AEAD_AES_256_GCM"
APIV3_KEY_BYTES = 32
# WeChat Pay sends callbacks whose signature starts with this prefix to check that
# merchants verify signatures, and they must get an error response.
PROBE_SIGNATURE_PREFIX = "WECHATPAY/SIGNTEST/"


class KeyFileError(ValueError):
    """A key file that cannot be read or does not contain the expected RSA key."""


class SignatureError(ValueError):
    """A WeChat Pay signature, key id or timestamp that fails verification."""


@dataclass(frozen=True)
class WechatPayPublicKey:
    """The WeChat Pay public key that signs responses and callbacks, and its id."""

    key: RSAPublicKey
    key_id: str  # PUB_KEY_ID_..., sent back by WeChat Pay as Wechatpay-Serial
    replay_seconds: int  # how far Wechatpay-Timestamp may be from now, either way


def new_nonce() -> str:
    """Return a 32-character random nonce, the length the WeChat Pay SDKs send."""
    return secrets.token_hex(16).upper()


def load_private_key(path: Path) -> RSAPrivateKey:
    """Load the merchant API private key (``apiclient_key.pem``, PKCS#8 or PKCS#1)."""
    data = read_key_file(path)
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, RSAPrivateKey):
        raise KeyFileError(f"{path} contains a {type(key).__name__}, not an RSA private key")
    return key


def load_public_key(path: Path) -> RSAPublicKey:
    """Load the WeChat Pay public key (``pub_key.pem``, ``BEGIN PUBLIC KEY``)."""
    data = read_key_file(path)
    try:
        key = load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not a PEM public key") from exc
    if not isinstance(key, RSAPublicKey):
        raise KeyFileError(f"{path} contains a {type(key).__name__}, not an RSA public key")
    return key


def read_key_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path} cannot be read: {exc.strerror or exc}") from exc


def sign(private_key: RSAPrivateKey, message: bytes) -> str:
    """Return the base64 SHA256withRSA signature of ``message``."""
    signature = private_key.sign(message, PKCS1v15(), SHA256())
    return base64.b64encode(signature).decode("ascii")


def sign_lines(private_key: RSAPrivateKey, *lines: str) -> str:
    """Sign the lines joined and ended by ``\\n``, the form of every client signature."""
    return sign(private_key, "".join(f"{line}\n" for line in lines).encode("utf-8"))


def request_message(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """Return the bytes a request signature covers; ``path`` includes the query string."""
    head = f"{method}\n{path}\n{timestamp}\n{nonce}\n".encode()
    return head + body + b"\n"


def authorization(
    *,
    private_key: RSAPrivateKey,
    mchid: str,
    serial_no: str,
    method: str,
    path: str,
    body: bytes,
    timestamp: str,
    nonce: str,
) -> str:
    """Return the ``Authorization`` header value of one request."""
    signature = sign(private_key, request_message(method, path, timestamp, nonce, body))
    return (
        f'{AUTH_SCHEME} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def verify_signed(public_key: WechatPayPublicKey, headers: Mapping[str, str], body: bytes) -> None:
    """Verify the ``Wechatpay-*`` headers of a response or callback over its raw body.

    Raises ``SignatureError`` when a header is missing, the signature type is not
    RSA, the signature is a WeChat Pay probe, ``Wechatpay-Serial`` is not our key id,
    the timestamp is outside the replay window, or the signature does not match.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    values = {}
    for name in ("Timestamp", "Nonce", "Signature", "Serial"):
        value = lowered.get(f"wechatpay-{name.lower()}", "")
        if not value:
            raise SignatureError(f"the header Wechatpay-{name} is missing")
        values[name] = value
    signature_type = lowered.get("wechatpay-signature-type")
    if signature_type is not None and signature_type != SIGNATURE_TYPE:
        raise SignatureError(f"Wechatpay-Signature-Type {signature_type!r} is not supported")
    if values["Signature"].startswith(PROBE_SIGNATURE_PREFIX):
        raise SignatureError("the signature is a WeChat Pay signature probe")
    if values["Serial"] != public_key.key_id:
        raise SignatureError(
            f"Wechatpay-Serial {values['Serial']!r} is not the configured public key id "
            f"{public_key.key_id}"
        )
    check_timestamp(values["Timestamp"], public_key.replay_seconds)
    if not verify(public_key.key, values["Timestamp"], values["Nonce"], body, values["Signature"]):
        raise SignatureError("the signature does not match the body")


def check_timestamp(value: str, window_seconds: int) -> None:
    """Reject a ``Wechatpay-Timestamp`` (Unix seconds) further than the window from now."""
    try:
        timestamp = int(value)
    except ValueError as exc:
        raise SignatureError(f"Wechatpay-Timestamp {value!r} is not a Unix time") from exc
    skew = int(time.time()) - timestamp
    if abs(skew) > window_seconds:
        raise SignatureError(
            f"Wechatpay-Timestamp {timestamp} is {skew} s from now, outside the "
            f"{window_seconds} s replay window"
        )


def verify(
    public_key: RSAPublicKey, timestamp: str, nonce: str, body: bytes, signature: str
) -> bool:
    """Check a WeChat Pay signature over ``TIMESTAMP\\nNONCE\\nBODY\\n`` (raw body bytes)."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    try:
        public_key.verify(raw, message, PKCS1v15(), SHA256())
    except InvalidSignature:
        return False
    return True


def decrypt_resource(apiv3_key: bytes, nonce: str, ciphertext: str, associated_data: str) -> bytes:
    """Decrypt a callback ``resource``, whose base64 ciphertext ends with the 16-byte GCM tag.

    Raises ``ValueError`` when the ciphertext is not base64 or the tag does not match,
    which happens with a wrong APIv3 key or a changed resource.
    """
    try:
        data = base64.b64decode(ciphertext, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the ciphertext is not base64") from exc
    try:
        return AESGCM(apiv3_key).decrypt(
            nonce.encode("utf-8"), data, associated_data.encode("utf-8")
        )
    except InvalidTag as exc:
        raise ValueError("the authentication tag does not match") from exc
