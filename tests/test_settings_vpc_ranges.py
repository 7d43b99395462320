"""VPC ranges as AWS's CreateVpc takes them (RFC 1918, 100.64.0.0/10, publicly routable), as
plain Python."""

import pytest

from shared.config import settings_for
from shared.settings import SettingsError


@pytest.mark.parametrize("cidr", ["10.10.0.0/16", "172.16.0.0/16", "192.168.0.0/16",
                                  "100.64.0.0/16", "100.127.0.0/16", "8.8.0.0/16"])
def test_ranges_aws_accepts_are_accepted(cidr):
    assert str(settings_for("dev", {"dr:primaryVpcCidr": cidr}).primary_vpc_cidr) == cidr


@pytest.mark.parametrize("cidr", ["127.0.0.0/16", "169.254.0.0/16", "0.0.0.0/16", "224.0.0.0/16",
                                  "240.0.0.0/16", "192.0.2.0/24", "198.18.0.0/16"])
def test_special_purpose_ranges_are_refused_in_one_line(cidr):
    with pytest.raises(SettingsError) as error:
        settings_for("dev", {"dr:primaryVpcCidr": cidr})
    assert str(error.value) == (f"dr:primaryVpcCidr: {cidr} is a special-purpose range, not one "
                                "for a VPC; use an RFC 1918 range (e.g. 10.10.0.0/16) "
                                "or 100.64.0.0/10")
