"""The lock a self-managed backend holds on a stack is read where Pulumi writes it (moto S3)."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from shared.orchestrator.backend import Backend
from shared.orchestrator.locks import held_locks

LOCK = {"pid": 4242, "username": "ci", "hostname": "runner-7", "timestamp": "2026-12-04T23:00:00Z"}


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="state")
        yield s3


@pytest.mark.parametrize(("url", "prefix"), [("s3://state?region=us-east-1", ""),
                                              ("s3://state/team-a", "team-a/")])
def test_an_s3_backends_lock_names_its_holder(bucket, url: str, prefix: str) -> None:
    bucket.put_object(Bucket="state", Key=f"{prefix}.pulumi/locks/organization/data/dev/0f3c.json",
                      Body=json.dumps(LOCK))
    assert held_locks(Backend(url), "data", "dev") == [
        "ci@runner-7 (pid 4242) since 2026-12-04T23:00:00Z"]
    # another stack or project of the same backend is not locked by it
    assert held_locks(Backend(url), "data", "prod") == []
    assert held_locks(Backend(url), "compute", "dev") == []


def test_a_file_backends_lock_is_read_from_its_folder(tmp_path) -> None:
    folder = tmp_path / ".pulumi" / "locks" / "organization" / "data" / "dev"
    folder.mkdir(parents=True)
    (folder / "0f3c.json").write_text(json.dumps(LOCK))
    assert held_locks(Backend(f"file://{tmp_path}"), "data", "dev") == [
        "ci@runner-7 (pid 4242) since 2026-12-04T23:00:00Z"]
    assert held_locks(Backend("https://api.pulumi.com"), "data", "dev") == []
