"""Process settings from ``VIDSWAP_*`` environment variables and an optional ``.env`` file.

The defaults run everything embedded in one data directory (SQLite, local
files, the SQLite queue). Setting ``VIDSWAP_DATABASE_URL``, ``VIDSWAP_REDIS_URL``
and ``VIDSWAP_STORAGE=s3`` switches the same code to PostgreSQL, Redis and S3.
"""

from __future__ import annotations

import re
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from vidswap.kit.errors import BadInputError
from vidswap.kit.payment_settings import PaymentSettings
from vidswap.kit.social_settings import SocialSettings

MiB = 1024 * 1024

# Values copied from examples and templates that must never sign tokens in production.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "change_me", "secret", "please-change", "replace-me", "xxx"}
)
MIN_SECRET_LENGTH = 32
# Room for the fields of an UploadRequest beside its chunk.
GRPC_MESSAGE_OVERHEAD = 64 * 1024
# The async database drivers that vidswap installs and is tested with.
DATABASE_DRIVERS = frozenset({"sqlite+aiosqlite", "postgresql+asyncpg"})
DATABASE_URL_EXAMPLES = (
    "postgresql+asyncpg://user:password@host/db or sqlite+aiosqlite:////absolute/path/vidswap.db"
)
REDIS_URL_EXAMPLE = "redis://127.0.0.1:6379/0"


class SettingsError(BadInputError):
    """A setting has a value the service cannot start with."""

    code = "invalid_setting"
    messages = {
        "en": "Invalid setting {name}: {detail}",
        "zh-CN": "配置项 {name} 无效：{detail}",
    }


class Settings(BaseSettings, PaymentSettings, SocialSettings):
    """Every setting of the API, the worker and ``vidswap serve``; the billing ones
    are in ``PaymentSettings``, the third-party sign-in ones in ``SocialSettings``."""

    model_config = SettingsConfigDict(
        env_prefix="VIDSWAP_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    log_json: bool = False
    log_level: str = "INFO"

    host: str = "127.0.0.1"
    port: int = 8000
    grpc_port: int = 50051
    cors_origins: list[str] = Field(default_factory=list)
    # Longer than the 60 s idle timeout of common load balancers, so that the balancer,
    # not uvicorn, closes idle connections and never reuses one uvicorn just closed.
    http_keep_alive_seconds: int = 75

    storage: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_addressing: Literal["path", "virtual"] = "path"
    signed_url_seconds: int = 900

    fcm_service_account_file: Path | None = Field(
        default=None,
        description="The Firebase service account JSON. Set: tasks that finish send a push "
        "notification to the owner's registered devices.",
    )
    fcm_base_url: str = "https://fcm.googleapis.com"
    push_timeout_seconds: float = 10.0

    access_token_minutes: int = 15
    refresh_token_days: int = 30

    sms_provider: Literal["log", "aliyun", "twilio"] = "log"
    sms_code_minutes: int = 5
    sms_max_attempts: int = 5
    sms_resend_seconds: int = 60
    sms_phone_hourly: int = 5
    sms_phone_daily: int = 10
    sms_ip_hourly: int = 20
    aliyun_sms_endpoint: str = "dysmsapi.aliyuncs.com"
    aliyun_sms_protocol: Literal["http", "https"] = "https"
    aliyun_access_key_id: str | None = None
    aliyun_access_key_secret: SecretStr | None = None
    aliyun_sms_sign_name: str | None = None
    aliyun_sms_template_code: str | None = None
    twilio_base_url: str = "https://api.twilio.com"
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    auth_rate_per_minute: int = 10
    aliyun_sms_template_code_en: str | None = Field(
        default=None, description="Aliyun template for non-Chinese locales; the main one otherwise."
    )
    sms_timeout_seconds: float = 10.0
    password_min_length: int = 8
    password_max_length: int = 256
    avatar_max_bytes: int = 5 * MiB
    avatar_max_side: int = 512

    max_image_bytes: int = 20 * MiB
    max_video_bytes: int = 1024 * MiB
    max_video_seconds: float = 600.0
    max_json_bytes: int = 16 * MiB
    upload_expire_hours: int = 24

    signup_energy: int = 100
    energy_per_second: float = 1.0

    worker_processes: int = 1
    lease_seconds: float = 30.0
    heartbeat_seconds: float = 5.0
    reaper_seconds: float = 10.0
    task_max_attempts: int = 3
    task_retry_delay_seconds: float = 5.0
    # Queue, reaper and task events (jobs, worker and notifications areas).
    queue_name: str = Field(
        default="vidswap", description="Huey queue name; also prefixes the Redis channel."
    )
    task_requeue_seconds: float = Field(
        default=300.0,
        description="A task pending this long without being claimed is enqueued again, "
        "in case its queue message was lost.",
    )
    event_poll_seconds: float = 0.3
    event_retention_hours: float = 24.0
    worker_metrics_port: int | None = Field(
        default=None, description="Port of the worker's own Prometheus endpoint; unset: none."
    )

    # gRPC VideoService (vidswap.grpc); docs/architecture.md, section "gRPC", explains each.
    grpc_tls_cert_file: Path | None = Field(
        default=None, description="PEM certificate chain; with the key, the port serves TLS only."
    )
    grpc_tls_key_file: Path | None = Field(default=None, description="PEM private key.")
    grpc_max_message_bytes: int = Field(
        default=8 * MiB, description="Largest message the server receives or sends."
    )
    grpc_max_chunk_bytes: int = Field(
        default=4 * MiB,
        description="Largest UploadRequest.chunk, and the DownloadResult chunk size.",
    )
    grpc_keepalive_seconds: float = Field(
        default=60.0, description="The server pings a connection idle this long."
    )
    grpc_keepalive_timeout_seconds: float = Field(
        default=20.0, description="A connection that leaves a ping unanswered this long is closed."
    )
    grpc_min_ping_interval_seconds: float = Field(
        default=10.0, description="Clients may send keepalive pings at most this often."
    )
    grpc_shutdown_grace_seconds: float = Field(
        default=10.0, description="On shutdown, running calls get this long to finish."
    )

    @model_validator(mode="after")
    def _check_grpc(self) -> Settings:
        if (self.grpc_tls_cert_file is None) != (self.grpc_tls_key_file is None):
            raise ValueError(
                "set both VIDSWAP_GRPC_TLS_CERT_FILE and VIDSWAP_GRPC_TLS_KEY_FILE, or neither"
            )
        if self.grpc_max_chunk_bytes + GRPC_MESSAGE_OVERHEAD > self.grpc_max_message_bytes:
            raise ValueError(
                "VIDSWAP_GRPC_MAX_CHUNK_BYTES must be at least 64 KiB below "
                "VIDSWAP_GRPC_MAX_MESSAGE_BYTES, which also carries the other fields"
            )
        return self

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value:
            _validate_database_url(value)
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value:
            _validate_redis_url(value)
        return value

    @model_validator(mode="after")
    def _check_switches(self) -> Settings:
        if self.storage == "s3" and not self.s3_bucket:
            raise ValueError("VIDSWAP_S3_BUCKET is required when VIDSWAP_STORAGE=s3")
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'vidswap.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @cached_property
    def signing_key(self) -> str:
        """The secret that signs tokens and links.

        In development a random key is generated once into the data directory;
        production requires ``VIDSWAP_SECRET_KEY`` and rejects placeholders.
        """
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < MIN_SECRET_LENGTH:
                raise SettingsError(
                    name="VIDSWAP_SECRET_KEY",
                    detail=f"use a random value of at least {MIN_SECRET_LENGTH} characters, "
                    "for example the output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`",
                )
            return value
        if self.environment == "production":
            raise SettingsError(
                name="VIDSWAP_SECRET_KEY",
                detail="it is required when VIDSWAP_ENVIRONMENT=production",
            )
        return _read_or_create_key(self.data_dir / "secret_key")

    def ensure_data_dir(self) -> None:
        """Create the data directory and its temporary-file folder."""
        (self.data_dir / "tmp").mkdir(parents=True, exist_ok=True)

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    @property
    def sandbox_enabled(self) -> bool:
        if self.payments_sandbox is not None:
            return self.payments_sandbox
        return self.environment == "development"

    @property
    def base_url(self) -> str:
        """The public address of the API, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"


def _validate_database_url(url: str) -> None:
    """Raise a validation error unless ``url`` names one of ``DATABASE_DRIVERS``.

    The message never repeats the URL, which may contain a password.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        driver = make_url(url).drivername
    except ArgumentError:
        raise PydanticCustomError(
            "invalid_database_url",
            "it is not a database URL; use {examples}",
            {"examples": DATABASE_URL_EXAMPLES},
        ) from None
    if driver not in DATABASE_DRIVERS:
        raise PydanticCustomError(
            "unsupported_database_driver",
            "the scheme {driver}:// is not supported; use {examples}",
            {"driver": driver, "examples": DATABASE_URL_EXAMPLES},
        )


def _validate_redis_url(url: str) -> None:
    """Raise a validation error unless redis-py can parse ``url``, without connecting."""
    from redis.connection import parse_url

    try:
        parse_url(url)
    except ValueError as exc:
        raise PydanticCustomError(
            "invalid_redis_url",
            "{reason}. Example: {example}",
            {"reason": str(exc).rstrip("."), "example": REDIS_URL_EXAMPLE},
        ) from None


def _read_or_create_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key, encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, turning validation errors into ``SettingsError``."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError as SourceError

    try:
        # The environment is validated on its own first: a command-line override would
        # otherwise hide a bad variable that child processes still read.
        settings = Settings()
        if overrides:
            settings = Settings(**overrides)  # type: ignore[arg-type]
        return settings
    except SourceError as exc:
        # A list or mapping variable that is not JSON; pydantic-settings names the field.
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"VIDSWAP_{field.group(1).upper()}" if field else "VIDSWAP_*"
        raise SettingsError(
            name=name, detail='it must be JSON, for example ["first", "second"]'
        ) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        # A check across several fields has no location; its message names the variables.
        parts = [str(part) for part in first["loc"]]
        name = "VIDSWAP_" + "_".join(parts).upper() if parts else "VIDSWAP_*"
        raise SettingsError(name=name, detail=first["msg"]) from exc
