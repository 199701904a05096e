"""S3 locations and clients shared by feed fetching, publishing and the S3-synced catalog.

Clients take boto3's standard configuration (credential chain, region, `AWS_ENDPOINT_URL_S3`),
so a local stack points them at moto_server or MinIO through the environment alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalog_adapter.errors import CatalogConfigError

CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60


@dataclass(frozen=True, slots=True)
class S3Location:
    """A bucket and a key (or a key prefix ending in "/")."""

    bucket: str
    key: str

    def child(self, name: str) -> S3Location:
        """The key `name` under this prefix."""
        return S3Location(self.bucket, f"{self.key}{name}")

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse_s3_url(url: str, *, prefix: bool = False) -> S3Location:
    """`s3://bucket/key` -> S3Location; with prefix=True the key is a folder ending in "/"."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("s3", "sqlite+s3"):
        raise CatalogConfigError(f"not an S3 URL: {url!r} (expected s3://bucket/key)")
    rest = rest.split("?", 1)[0]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise CatalogConfigError(f"S3 URL {url!r} names no bucket")
    if prefix:
        if key and not key.endswith("/"):
            key += "/"
    elif not key or key.endswith("/"):
        raise CatalogConfigError(f"S3 URL {url!r} names no object (expected s3://bucket/key)")
    return S3Location(bucket, key)


def s3_client() -> Any:
    """A boto3 S3 client from the standard configuration, with bounded timeouts and retries."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as e:
        raise CatalogConfigError("S3 needs boto3: pip install 'ambient-shop[aws]'") from e
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "max_attempts": 3},
    )
    return boto3.client("s3", config=config)


def error_code(error: Exception) -> str:
    """The S3 error code of a botocore ClientError ("NoSuchKey", "304", ...), else ""."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return ""
    code = response.get("Error", {}).get("Code")
    if code:
        return str(code)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(status) if status else ""


def is_not_found(error: Exception) -> bool:
    return error_code(error) in ("NoSuchKey", "404", "NotFound")


def botocore_errors() -> tuple[type[Exception], ...]:
    """The exceptions an S3 call raises for a service, network or credential problem."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)


def transfer_errors() -> tuple[type[Exception], ...]:
    """What boto3's managed transfers (upload_file, download_file) raise, plus local I/O errors."""
    from boto3.exceptions import Boto3Error

    return (*botocore_errors(), Boto3Error, OSError)
