"""The state bucket's region, asked of the surviving region while the other one hangs: S3's
301 from the wrong regional endpoint is the answer, never a reason to call the lost region."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from shared.orchestrator import backend_region as checked
from shared.orchestrator.backend import Backend
from shared.orchestrator.backend_region import backend_region, refuse_backend_in
from shared.orchestrator.errors import Refused
from tests.outage import watch_every_client

DOWN, SURVIVOR = "us-east-1", "us-east-2"


class Raw:
    def stream(self, **_: Any) -> Any:
        yield b""


def s3_of_the_surviving_region_redirects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """HeadBucket asked of us-east-2 for a bucket in us-east-1: what S3 answers (301 with the
    bucket's region; https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html)."""
    asked: list[str] = []

    def answer(request: Any, **_: Any) -> AWSResponse | None:
        if f".{SURVIVOR}." not in request.url:
            return None
        asked.append(request.url)
        return AWSResponse(request.url, 301, {"x-amz-bucket-region": DOWN}, Raw())

    def watch(client: Any) -> Any:
        if client.meta.service_model.service_name == "s3":
            client.meta.events.register_first("before-send.s3.HeadBucket", answer)
        return client

    watch_every_client(monkeypatch, watch)
    return asked


def test_a_bucket_in_the_hanging_region_is_refused_from_the_301_without_calling_it(
        monkeypatch, hanging, standin):
    hanging.hanging.add(DOWN)
    asked = s3_of_the_surviving_region_redirects(monkeypatch)
    started = time.monotonic()
    with pytest.raises(Refused) as refused:
        refuse_backend_in(Backend("s3://dr-state"), DOWN, SURVIVOR)
    assert str(refused.value).startswith("the state backend s3://dr-state lives in us-east-1, which is down")
    assert len(asked) == 1 and hanging.sent == []  # nothing went to the lost region
    assert time.monotonic() - started < 1


def test_a_bucket_that_does_not_answer_says_to_put_its_region_in_the_url(hanging, standin):
    hanging.hanging.add(SURVIVOR)  # even the surviving region's S3 hangs: bounded, and one line
    with pytest.raises(Refused) as refused:
        backend_region(Backend("s3://dr-state"), SURVIVOR)
    message = str(refused.value)
    assert "\n" not in message and "add ?region=<the bucket's region> to the backend URL" in message
    assert [region for region, _ in hanging.sent] == [SURVIVOR] * 2  # QUICK: two attempts, no more


def test_the_state_bucket_check_is_bounded_by_short_timeouts():
    # Two attempts of (connect + read) is what a hanging endpoint costs: well under a minute.
    quick = checked.QUICK
    assert quick["retries"]["total_max_attempts"] * (quick["connect_timeout"] + quick["read_timeout"]) <= 20


def test_a_region_in_the_url_is_not_asked(hanging, standin):
    hanging.hanging.update((DOWN, SURVIVOR))
    assert backend_region(Backend(f"s3://dr-state?region={DOWN}"), SURVIVOR) == DOWN
    assert hanging.sent == []
