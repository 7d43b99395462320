"""Where the state backend lives, so a run from the surviving region does not depend on the lost one.

file:// is on this machine and Pulumi Cloud (https://) outside the account's regions; an
s3:// bucket is in one region: its `?region=` URL parameter when given, else what S3's
HeadBucket reports (`BucketRegion`, the x-amz-bucket-region header, returned whether or not the
caller may read the bucket; AWS recommends it over GetBucketLocation:
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html), asked of the
surviving region's endpoint. gs:// and azblob:// are outside AWS.

That HeadBucket is never sent on to the bucket's region: asked of the wrong regional endpoint,
S3 answers 301 with the bucket's region in x-amz-bucket-region, and botocore's S3 region
redirector would resend it there (botocore/utils.py, S3RegionRedirectorv2.redirect_from_error),
which during --region-down is the lost region: minutes of hanging before a wrong message. The
301 already says where the bucket lives, so the request is marked as redirected (the flag the
redirector itself checks) and the answer read as it is; short timeouts bound the rest.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlparse

from botocore.exceptions import BotoCoreError, ClientError

from shared import aws_sdk
from shared.orchestrator.backend import Backend
from shared.orchestrator.errors import OrchestratorError, Refused

GUIDE = "docs/on-call/region-down.md"
# The surviving region answers HeadBucket within a second; a hanging endpoint costs at most
# two attempts of CONNECT + READ seconds (plus the standard mode's backoff, under 1 s).
CONNECT_SECONDS, READ_SECONDS = 3, 5
QUICK = {"connect_timeout": CONNECT_SECONDS, "read_timeout": READ_SECONDS,
         "retries": {"total_max_attempts": 2, "mode": "standard"}}


def _no_redirect(context: dict[str, Any], **_: Any) -> None:
    # The redirector annotates the request (before-parameter-build) and skips any request whose
    # annotation says it was already redirected: the 301 then comes back as the answer.
    context.setdefault("s3_redirect", {})["redirected"] = True


def _client(region: str, endpoint: str | None) -> Any:
    s3 = aws_sdk.client("s3", region_name=region, endpoint_url=endpoint, config=aws_sdk.config(**QUICK))
    s3.meta.events.register("before-call.s3.HeadBucket", _no_redirect)
    return s3


def s3_bucket(backend: Backend) -> tuple[str, str | None] | None:
    """(bucket, region given in the URL) of an s3:// backend, else None."""
    if not backend.url.startswith("s3://"):
        return None
    parsed = urlparse(backend.url)
    region = parse_qs(parsed.query).get("region", [None])[0]
    return parsed.netloc, region


def backend_region(backend: Backend, ask_from: str, environ: Mapping[str, str] | None = None,
                   client: Any = None) -> str | None:
    """The AWS region holding the state, or None when it is not in an AWS region."""
    found = s3_bucket(backend)
    if found is None:
        return None
    bucket, region = found
    if region:
        return region
    env = os.environ if environ is None else environ
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
    s3 = client or _client(ask_from, endpoint)
    try:
        answer = s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        if headers.get("x-amz-bucket-region"):
            return str(headers["x-amz-bucket-region"])
        code = error.response.get("Error", {}).get("Code", "error")
        raise OrchestratorError(f"the state bucket {bucket} could not be found from {ask_from} ({code}); "
                                f"check the backend URL {backend.url}") from None
    except BotoCoreError as error:
        first = str(error).splitlines()[0]
        raise Refused(f"the state bucket {bucket} did not answer from {ask_from} ({first}): add "
                      f"?region=<the bucket's region> to the backend URL ({backend.url}) so it is "
                      "not asked; if it lives in the region that is down, switch to its replica "
                      f"({GUIDE})") from None
    region = answer.get("BucketRegion") or answer.get("ResponseMetadata", {}).get(
        "HTTPHeaders", {}).get("x-amz-bucket-region")
    return str(region) if region else None


def refuse_backend_in(backend: Backend, down: str, survivor: str,
                      environ: Mapping[str, str] | None = None, client: Any = None) -> None:
    """`--region-down`: one line and no run when the state lives in the region that is down."""
    region = backend_region(backend, survivor, environ, client)
    if region == down:
        raise Refused(f"the state backend {backend.url} lives in {down}, which is down: no layer can "
                      f"read or write its state; switch to the replica in {survivor} "
                      f"(PULUMI_BACKEND_URL or --backend, steps in {GUIDE}) and run again")


def backend_warning(backend: Backend, primary: str, environ: Mapping[str, str] | None = None,
                    client: Any = None) -> str | None:
    """Preflight's note when the state shares the primary's fate (None when it does not)."""
    try:
        region = backend_region(backend, primary, environ, client)
    except OrchestratorError:
        return None  # preflight's other checks report an unreachable AWS
    if region == primary:
        return (f"warning: the state backend {backend.url} lives in {primary}, the primary region: "
                f"if {primary} is lost no layer can be deployed; replicate it ({GUIDE})")
    return None
