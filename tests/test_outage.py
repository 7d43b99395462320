"""The region-outage fixture fails exactly the requests a real outage would, for every kind of client."""

import os
import shutil
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from moto import mock_aws

from tests.outage import RefusedCall, path_without_pulumi


@mock_aws
def test_a_down_region_refuses_moto_backed_clients_and_the_other_region_answers(outage):
    for region in ("us-east-1", "us-east-2"):
        boto3.client("ssm", region_name=region).put_parameter(Name="/p", Value=region, Type="String")
    outage.take_down("us-east-1")
    with pytest.raises(EndpointConnectionError):
        boto3.client("ssm", region_name="us-east-1").get_parameter(Name="/p")
    answer = boto3.client("ssm", region_name="us-east-2").get_parameter(Name="/p")
    assert answer["Parameter"]["Value"] == "us-east-2"
    assert outage.refused == [RefusedCall("ssm", "GetParameter", "us-east-1")]


@mock_aws
def test_route53_is_served_from_us_east_1_whatever_region_the_client_names(outage):
    outage.take_down("us-east-1")
    with pytest.raises(EndpointConnectionError):
        boto3.client("route53", region_name="us-east-2").list_health_checks()
    assert outage.refused_in("us-east-1") == [RefusedCall("route53", "ListHealthChecks", "us-east-1")]


def test_a_stubbed_global_accelerator_client_fails_before_its_stub_answers(outage):
    client = boto3.client("globalaccelerator", region_name="us-west-2")
    stubber = Stubber(client)
    stubber.add_response("list_accelerators", {"Accelerators": []})
    stubber.activate()
    outage.take_down("us-west-2")
    with pytest.raises(EndpointConnectionError):
        client.list_accelerators()
    outage.restore("us-west-2")
    assert client.list_accelerators()["Accelerators"] == []
    stubber.assert_no_pending_responses()


@mock_aws
def test_a_global_sts_endpoint_counts_as_us_east_1(outage):
    outage.take_down("us-east-1")
    regional = boto3.client("sts", region_name="us-east-2")
    assert regional.get_caller_identity()["Account"]
    with pytest.raises(EndpointConnectionError):
        boto3.client("sts", region_name="us-east-2",
                     endpoint_url="https://sts.amazonaws.com").get_caller_identity()


def test_no_pulumi_drops_every_folder_holding_a_pulumi_executable(tmp_path):
    with_cli, without = tmp_path / "with", tmp_path / "without"
    for folder in (with_cli, without):
        folder.mkdir()
    (with_cli / "pulumi").write_text("#!/bin/sh\n")
    (with_cli / "pulumi").chmod(0o755)
    path = os.pathsep.join([str(with_cli), str(without)])
    assert shutil.which("pulumi", path=path) is not None
    assert shutil.which("pulumi", path=path_without_pulumi(path)) is None
    assert path_without_pulumi(path) == str(without)


def test_a_hanging_region_costs_the_clients_own_timeouts_and_the_other_region_answers(hanging):
    with mock_aws():
        hanging.hanging.add("us-east-1")
        config = Config(connect_timeout=5, read_timeout=30, retries={"total_max_attempts": 2})
        lost = boto3.client("ssm", region_name="us-east-1", config=config)
        alive = boto3.client("ssm", region_name="us-east-2", config=config)
        alive.put_parameter(Name="/x", Value="1", Type="String")
        started = time.monotonic()
        with pytest.raises(ReadTimeoutError):
            lost.get_parameter(Name="/x")
        took = time.monotonic() - started
        # Two attempts of 30 s / 100: the read timeout really fired, twice, and no answer came.
        assert 0.55 <= took < 3.0
        assert len(hanging.sent) == 2
        assert alive.get_parameter(Name="/x")["Parameter"]["Value"] == "1"
