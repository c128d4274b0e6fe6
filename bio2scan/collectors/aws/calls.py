"""Every AWS call goes through here: it is counted, its answer made plain, its failure classified.

``AwsError`` carries one of the collection-error codes (AccessDenied, Unsupported, Throttled,
Timeout, NotFound, Error), the AWS error code, and the API (``s3:GetBucketEncryption``) so the
caller can turn it into a ``CollectionError`` or a per-resource ``errors`` entry. ``plain``
turns what botocore returns into JSON data: datetimes become ISO 8601 strings, bytes text.

botocore is imported lazily, inside the functions, so that importing this module stays light.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import urllib.parse
from typing import Any

_ACCESS = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "AuthorizationErrorException",
        "Forbidden",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
        "InvalidAccessException",
        "AccessDeniedFault",
    }
)
_UNSUPPORTED = frozenset(
    {
        "OptInRequired",
        "SubscriptionRequiredException",
        "InvalidAction",
        "UnknownOperationException",
        "NotImplemented",
        "UnsupportedOperation",
        "UnsupportedOperationException",
        "InvalidRegion",
        "UnsupportedCommandException",
    }
)
_THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "PriorRequestNotComplete",
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        "LimitExceededException",
    }
)


class AwsError(Exception):
    """A failed AWS call: ``code`` is the collection-error code, ``aws_code`` AWS's own."""

    def __init__(self, code: str, aws_code: str, message: str, api: str) -> None:
        super().__init__(f"{aws_code}: {message}" if message else aws_code)
        self.code = code
        self.aws_code = aws_code
        self.message = message
        self.api = api

    @property
    def reason(self) -> str:
        return str(self)


def classify(exc: BaseException, api: str) -> AwsError:
    """Map anything a botocore call can raise to an ``AwsError`` (never raises itself)."""
    if isinstance(exc, AwsError):
        return exc
    import botocore.exceptions as bx

    if isinstance(exc, bx.ClientError):
        err = exc.response.get("Error") or {}
        meta = exc.response.get("ResponseMetadata") or {}
        aws_code = str(err.get("Code") or "Unknown")
        message = str(err.get("Message") or "").strip()
        status = int(meta.get("HTTPStatusCode") or 0)
        if message.startswith("<"):  # an HTML error page, not an AWS error
            text = " ".join(re.sub(r"<[^>]+>", " ", message).split())
            message = f"HTTP {status}: {text[:200]}"
        return AwsError(_code(aws_code, message, status), aws_code, message, api)
    if isinstance(exc, (bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        return AwsError("Timeout", type(exc).__name__, str(exc), api)
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return AwsError("AccessDenied", type(exc).__name__, str(exc), api)
    if isinstance(
        exc,
        (
            bx.UnknownEndpointError,
            bx.NoRegionError,
            bx.UnknownServiceError,
            bx.OperationNotPageableError,
        ),
    ):
        return AwsError("Unsupported", type(exc).__name__, str(exc), api)
    if isinstance(exc, bx.BotoCoreError):
        return AwsError("Error", type(exc).__name__, str(exc), api)
    return AwsError("Error", type(exc).__name__, str(exc), api)


def _code(aws_code: str, message: str, status: int) -> str:
    if aws_code in _THROTTLED or status == 429 or "throttl" in aws_code.lower():
        return "Throttled"
    if aws_code in _UNSUPPORTED or status == 501:
        return "Unsupported"
    if aws_code in _ACCESS or status == 403:
        return "AccessDenied"
    if aws_code.startswith("NoSuch") or "NotFound" in aws_code or status == 404:
        return "NotFound"
    return "Error"


def plain(value: Any) -> Any:
    """botocore's answer as JSON data: datetimes → ISO 8601, bytes → text, no ResponseMetadata."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def policy(doc: Any) -> Any:
    """A policy document as an object: IAM returns some URL-encoded, others return JSON text."""
    if doc is None or isinstance(doc, dict):
        return doc
    text = str(doc)
    for candidate in (text, urllib.parse.unquote(text)):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return {"_unparsed": text}


def tag_dict(raw: Any) -> dict[str, str]:
    """``[{Key, Value}]`` (or ``{k: v}``) → ``{k: v}``; anything else → ``{}``."""
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    out: dict[str, str] = {}
    for t in raw or ():
        if isinstance(t, dict):
            key = t.get("Key", t.get("key", t.get("TagKey")))
            if key is not None:
                out[str(key)] = str(t.get("Value", t.get("value", t.get("TagValue", ""))))
    return out
