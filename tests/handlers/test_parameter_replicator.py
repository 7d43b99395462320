"""Parameter replication between the two regions: copies, re-encrypts, deletes, never loops."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import moto.ssm.models
import pytest
from botocore.stub import Stubber

from tests.handlers import events
from tests.handlers.conftest import PRIMARY, SECONDARY, aws_client, handler_module

PREFIX = "/dr/dev/shared/"


@pytest.fixture(autouse=True)
def ssm_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulated SSM stamps each write one second after the previous one: which edit is newer
    follows from the order of the writes, never from how fast the wall clock moved between them."""
    seconds = itertools.count()
    start = datetime(2026, 1, 1)  # naive UTC, as moto's own clock gives
    monkeypatch.setattr(moto.ssm.models, "utcnow", lambda: start + timedelta(seconds=next(seconds)))


@pytest.fixture
def replicator():
    return handler_module("parameter_replicator")


@pytest.fixture
def keys() -> dict[str, str]:
    """Each region's own CMK, as the data layer creates them."""
    return {region: aws_client("kms", region).create_key(
        Description=f"dr-dev {region}")["KeyMetadata"]["Arn"] for region in (PRIMARY, SECONDARY)}


@pytest.fixture
def ssm() -> dict[str, Any]:
    return {region: aws_client("ssm", region) for region in (PRIMARY, SECONDARY)}


def run_in(replicator, monkeypatch, keys: dict[str, str], region: str, event: dict[str, Any]) -> str:
    """Invokes the replicator as deployed in `region`, pointed at the other one."""
    peer = SECONDARY if region == PRIMARY else PRIMARY
    monkeypatch.setenv("AWS_REGION", region)
    monkeypatch.setenv("PARAMETER_PREFIX", PREFIX)
    monkeypatch.setenv("PEER_REGION", peer)
    monkeypatch.setenv("PEER_KMS_KEY_ARN", keys[peer])
    result: str = replicator.handler(event, None)["result"]
    return result


def value_in(ssm: dict[str, Any], region: str, name: str) -> str | None:
    found = parameter(ssm, region, name)
    return None if found is None else str(found["Value"])


def parameter(ssm: dict[str, Any], region: str, name: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = ssm[region].get_parameter(Name=name, WithDecryption=True)["Parameter"]
    except ssm[region].exceptions.ParameterNotFound:
        return None
    return found


def key_of(ssm: dict[str, Any], region: str, name: str) -> str:
    described = ssm[region].describe_parameters(
        ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    return str(described[0]["KeyId"])


@pytest.mark.parametrize("parameter_type, value", [("String", "https://api.example.com"),
                                                    ("StringList", "a,b,c")])
def test_a_new_parameter_is_copied_to_the_peer_as_is(replicator, monkeypatch, keys, ssm,
                                                     parameter_type, value):
    name = f"{PREFIX}app/setting"
    ssm[PRIMARY].put_parameter(Name=name, Value=value, Type=parameter_type)
    assert run_in(replicator, monkeypatch, keys, PRIMARY,
                  events.parameter_change(name, "Create", PRIMARY, parameter_type)) == "copied"
    copied = parameter(ssm, SECONDARY, name)
    assert copied is not None and (copied["Type"], copied["Value"]) == (parameter_type, value)


def test_a_secure_string_is_reencrypted_with_the_peer_key(replicator, monkeypatch, keys, ssm):
    name = f"{PREFIX}db/password"
    ssm[PRIMARY].put_parameter(Name=name, Value="s3cr3t", Type="SecureString", KeyId=keys[PRIMARY])
    run_in(replicator, monkeypatch, keys, PRIMARY,
           events.parameter_change(name, "Create", PRIMARY, "SecureString"))
    copied = parameter(ssm, SECONDARY, name)
    assert copied is not None and (copied["Type"], copied["Value"]) == ("SecureString", "s3cr3t")
    assert key_of(ssm, SECONDARY, name) == keys[SECONDARY]


def test_an_update_overwrites_the_peer(replicator, monkeypatch, keys, ssm):
    name = f"{PREFIX}feature-flag"
    ssm[PRIMARY].put_parameter(Name=name, Value="off", Type="String")
    ssm[SECONDARY].put_parameter(Name=name, Value="stale", Type="String")
    ssm[PRIMARY].put_parameter(Name=name, Value="on", Type="String", Overwrite=True)
    assert run_in(replicator, monkeypatch, keys, PRIMARY,
                  events.parameter_change(name, "Update", PRIMARY)) == "updated"
    assert value_in(ssm, SECONDARY, name) == "on"


def test_the_peers_echo_of_a_copy_writes_nothing_back(replicator, monkeypatch, keys, ssm):
    name = f"{PREFIX}db/password"
    ssm[PRIMARY].put_parameter(Name=name, Value="s3cr3t", Type="SecureString", KeyId=keys[PRIMARY])
    run_in(replicator, monkeypatch, keys, PRIMARY,
           events.parameter_change(name, "Create", PRIMARY, "SecureString"))
    # The copy raised "Create" in the secondary; its replicator sees the primary already holds it.
    echo = run_in(replicator, monkeypatch, keys, SECONDARY,
                  events.parameter_change(name, "Create", SECONDARY, "SecureString"))
    assert echo.startswith("in sync")
    original = parameter(ssm, PRIMARY, name)
    assert original is not None and original["Version"] == 1
    assert key_of(ssm, PRIMARY, name) == keys[PRIMARY]


def test_a_delete_is_replicated_and_its_echo_stops(replicator, monkeypatch, keys, ssm):
    name = f"{PREFIX}retired"
    for region in (PRIMARY, SECONDARY):
        ssm[region].put_parameter(Name=name, Value="x", Type="String")
    ssm[PRIMARY].delete_parameter(Name=name)
    assert run_in(replicator, monkeypatch, keys, PRIMARY,
                  events.parameter_change(name, "Delete", PRIMARY)) == "deleted"
    assert parameter(ssm, SECONDARY, name) is None
    echo = run_in(replicator, monkeypatch, keys, SECONDARY,
                  events.parameter_change(name, "Delete", SECONDARY))
    assert echo.startswith("in sync")
    assert parameter(ssm, PRIMARY, name) is None


def test_a_newer_edit_in_the_peer_is_not_overwritten_by_an_older_one(replicator, monkeypatch, keys, ssm):
    name = f"{PREFIX}edited-in-both"
    ssm[PRIMARY].put_parameter(Name=name, Value="older", Type="String")
    ssm[SECONDARY].put_parameter(Name=name, Value="newer", Type="String")
    assert run_in(replicator, monkeypatch, keys, PRIMARY,
                  events.parameter_change(name, "Create", PRIMARY)).startswith("skipped")
    assert value_in(ssm, SECONDARY, name) == "newer"


def test_a_late_delete_leaves_a_value_the_peer_set_after_the_deletion(
        replicator, monkeypatch, keys, ssm):
    """Deleted here at 00:00:01, recreated in the peer at 00:00:02 while this region was cut
    off; the delete event, replayed from the dead-letter queue, must not remove the new one."""
    name = f"{PREFIX}features/beta"
    ssm[PRIMARY].put_parameter(Name=name, Value="on", Type="String")  # 00:00:00
    ssm[PRIMARY].delete_parameter(Name=name)
    ssm[SECONDARY].put_parameter(Name=name, Value="off", Type="String")  # 00:00:01
    replayed = events.parameter_change(name, "Delete", PRIMARY, time="2026-01-01T00:00:00.500Z")
    assert run_in(replicator, monkeypatch, keys, PRIMARY, replayed).startswith("skipped")
    assert value_in(ssm, SECONDARY, name) == "off"


def test_names_outside_the_prefix_are_left_alone(replicator, monkeypatch, keys, ssm):
    name = "/other-team/setting"
    ssm[PRIMARY].put_parameter(Name=name, Value="mine", Type="String")
    assert run_in(replicator, monkeypatch, keys, PRIMARY,
                  events.parameter_change(name, "Create", PRIMARY)).startswith("ignored")
    assert parameter(ssm, SECONDARY, name) is None


def test_label_changes_are_not_replicated(replicator, monkeypatch, keys, ssm):
    name = f"{PREFIX}labelled"
    ssm[PRIMARY].put_parameter(Name=name, Value="v", Type="String")
    assert run_in(replicator, monkeypatch, keys, PRIMARY,
                  events.parameter_change(name, "LabelParameterVersion", PRIMARY)).startswith("ignored")
    assert parameter(ssm, SECONDARY, name) is None


@pytest.mark.parametrize("event, complaint", [
    ("not an event", "expected an EventBridge event"),
    ({**events.parameter_change("/dr/dev/x", "Create", PRIMARY), "source": "aws.ec2"}, "expected source"),
    ({**events.parameter_change("/dr/dev/x", "Create", PRIMARY), "detail": None}, "detail is missing"),
    ({**events.parameter_change("/dr/dev/x", "Create", PRIMARY), "detail": {"name": "/dr/dev/x"}},
     "detail.operation"),
])
def test_malformed_events_raise_so_they_reach_the_dead_letter_queue(replicator, monkeypatch, keys, event,
                                                                   complaint):
    with pytest.raises(ValueError, match=complaint):
        run_in(replicator, monkeypatch, keys, PRIMARY, event)


def test_aws_errors_raise_so_lambda_retries(replicator, monkeypatch, keys, ssm):
    name = f"{PREFIX}denied"
    ssm[PRIMARY].put_parameter(Name=name, Value="v", Type="String")
    # moto allows every call: the peer's refusal is injected with botocore's Stubber.
    clients = handler_module("clients")
    peer = clients.client("ssm", SECONDARY)
    with Stubber(peer) as stub:
        stub.add_client_error("get_parameter", "ParameterNotFound", http_status_code=400)
        stub.add_client_error("put_parameter", "AccessDeniedException", http_status_code=400)
        with pytest.raises(peer.exceptions.ClientError, match="AccessDenied"):
            run_in(replicator, monkeypatch, keys, PRIMARY, events.parameter_change(name, "Create", PRIMARY))
