"""The global-traffic guards as plain Python: the traffic-mode dials, and the one-line errors
when the network stacks disagree with the settings (no mocks: these are pure functions)."""

import pulumi
import pytest

from shared.components.accelerator import initial_dials, one_listener_port
from shared.components.peering import PeerSide, route_table, vpc_in_region
from shared.config import settings_for
from shared.settings import SettingsError


def side(count: int) -> PeerSide:
    return PeerSide(role="secondary", region="us-east-2", vpc_id="vpc-0", vpc_cidr="10.20.0.0/16",
                    route_table_ids=None, route_table_count=count)  # type: ignore[arg-type]


def test_traffic_modes_set_the_initial_dials():
    assert initial_dials("active-active") == {"primary": 100, "secondary": 100}
    assert initial_dials("active-passive") == {"primary": 100, "secondary": 0}
    with pytest.raises(ValueError, match="unknown traffic mode"):
        initial_dials("round-robin")


def test_the_listener_port_is_the_one_both_nlbs_share():
    assert one_listener_port([80, 80]) == 80
    with pytest.raises(pulumi.RunError, match=r"different ports \[80, 8080\].*same dr:appPort"):
        one_listener_port([80, 8080])


def test_route_tables_must_match_the_az_count():
    assert route_table(1, side(2), ["rtb-a", "rtb-b"]) == "rtb-b"
    with pytest.raises(pulumi.RunError, match=r"network-secondary exports 3 private route tables but "
                                              r"dr:azCount is 2; redeploy network-secondary"):
        route_table(0, side(2), ["rtb-a", "rtb-b", "rtb-c"])


def test_a_network_from_another_region_is_named_not_peered():
    assert vpc_in_region("secondary", "us-east-2", ["us-east-2", "vpc-1"]) == "vpc-1"
    with pytest.raises(pulumi.RunError, match=r"network-secondary is deployed in us-west-2 but "
                                              r"dr:secondaryRegion is us-east-2"):
        vpc_in_region("secondary", "us-east-2", ["us-west-2", "vpc-1"])


# --- settings: failover DNS needs the zone and the name together ---


def test_failover_dns_settings_are_accepted_as_a_pair():
    parsed = settings_for("dev", {"dr:hostedZoneId": "Z0123456789ABC",
                                  "dr:failoverRecordName": "App.Example.com."})
    assert (parsed.hosted_zone_id, parsed.failover_record_name) == ("Z0123456789ABC", "app.example.com")
    assert settings_for("dev", {}).failover_record_name is None


@pytest.mark.parametrize(("config", "match"), [
    ({"dr:hostedZoneId": "Z0123456789ABC"},
     r"^dr:hostedZoneId: is set without dr:failoverRecordName; set dr:failoverRecordName"),
    ({"dr:failoverRecordName": "app.example.com"},
     r"^dr:failoverRecordName: is set without dr:hostedZoneId; set dr:hostedZoneId"),
    ({"dr:hostedZoneId": "Z0123456789ABC", "dr:failoverRecordName": "not a name"},
     r"^dr:failoverRecordName: 'not a name' is not a domain name"),
])
def test_half_a_failover_dns_pair_is_refused_in_one_line(config, match):
    with pytest.raises(SettingsError, match=match) as error:
        settings_for("dev", config)
    assert "\n" not in str(error.value)
