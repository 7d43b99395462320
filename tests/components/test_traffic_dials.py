"""Reading the live dials before a deployment, against botocore's Stubber (moto has no Global
Accelerator): every group's dial by region, across pages, and a one-line refusal when the
answer cannot be had."""

import boto3
import pulumi
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from shared.components.traffic_dials import read_live_dials
from shared.ops.aws.clients import GA_API_REGION, AwsClients

LISTENER = "arn:aws:globalaccelerator::123456789012:accelerator/abcd/listener/0123abcd"


def group(region, dial):
    return {"EndpointGroupArn": f"{LISTENER}/endpoint-group/{region}", "EndpointGroupRegion": region,
            "TrafficDialPercentage": dial}


@pytest.fixture
def ga():
    client = boto3.client("globalaccelerator", region_name=GA_API_REGION, aws_access_key_id="x",
                          aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))
    clients = AwsClients()
    clients.use("globalaccelerator", GA_API_REGION, client)
    with Stubber(client) as stubber:
        yield stubber, clients
        stubber.assert_no_pending_responses()


def test_every_groups_dial_is_read_across_pages(ga):
    stubber, clients = ga
    stubber.add_response("list_endpoint_groups", {"EndpointGroups": [group("us-east-1", 0.0)],
                                                  "NextToken": "next"},
                         {"ListenerArn": LISTENER})
    stubber.add_response("list_endpoint_groups", {"EndpointGroups": [group("us-east-2", 100.0)]},
                         {"ListenerArn": LISTENER, "NextToken": "next"})
    assert read_live_dials(LISTENER, clients) == {"us-east-1": 0.0, "us-east-2": 100.0}


def test_a_listener_not_created_yet_has_no_dials_to_keep(ga):
    stubber, clients = ga
    stubber.add_client_error("list_endpoint_groups", "ListenerNotFoundException",
                             expected_params={"ListenerArn": LISTENER})
    assert read_live_dials(LISTENER, clients) == {}


def test_an_api_that_refuses_stops_the_deployment_in_one_line(ga):
    stubber, clients = ga
    stubber.add_client_error("list_endpoint_groups", "AccessDeniedException", "not allowed",
                             expected_params={"ListenerArn": LISTENER})
    with pytest.raises(pulumi.RunError) as error:
        read_live_dials(LISTENER, clients)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("cannot read the live traffic dials (An error occurred (AccessDenied")
    assert message.endswith("retry once Global Accelerator's API (us-west-2) answers")


def test_an_unreachable_api_region_stops_the_deployment(outage):
    outage.take_down(GA_API_REGION)
    clients = AwsClients(boto3.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                       region_name="us-east-1"))
    with pytest.raises(pulumi.RunError, match=r"^cannot read the live traffic dials \(Could not connect"):
        read_live_dials(LISTENER, clients)
    assert [call.operation for call in outage.refused_in(GA_API_REGION)] == ["ListEndpointGroups"]
