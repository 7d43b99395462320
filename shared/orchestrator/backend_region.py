"""Where the state backend lives, so a run from the surviving region does not depend on the lost one.

file:// is on this machine and Pulumi Cloud (https://) outside the account's regions; an
s3:// bucket is in one region: its `?region=` URL parameter when given, else what S3's
HeadBucket reports (`BucketRegion`, the x-amz-bucket-region header, returned whether or not the
caller may read the bucket; AWS recommends it over GetBucketLocation:
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html), asked of the
surviving region's endpoint. gs:// and azblob:// are outside AWS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from shared.orchestrator.backend import Backend
from shared.orchestrator.errors import OrchestratorError, Refused

GUIDE = "docs/on-call/region-down.md"


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
    s3 = client or boto3.client("s3", region_name=ask_from, endpoint_url=endpoint)
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
        raise Refused(f"the state bucket {bucket} does not answer from {ask_from} ({error}); if it "
                      f"lives in the region that is down, switch to its replica ({GUIDE})") from None
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
