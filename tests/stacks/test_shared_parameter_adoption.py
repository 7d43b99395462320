"""A shared parameter the replicator copied into a region before the data layer creates it there
is adopted, not refused (ParameterAlreadyExists would fail that `pulumi up` on every retry)."""

from tests.support import resources


def test_shared_values_overwrite_on_create_and_regional_values_and_the_active_region_do_not(dev_plan):
    parameters = [p["inputs"] for p in resources(dev_plan, "data", "aws:ssm/parameter:Parameter")
                  if not p["inputs"]["name"].startswith("/dr/dev/contract/")]
    shared = [p for p in parameters if p["name"].startswith("/dr/dev/shared/")]
    assert {p["name"] for p in shared} >= {"/dr/dev/shared/api-key", "/dr/dev/shared/active-region"}
    for parameter in shared:
        expected = None if parameter["name"].endswith("/active-region") else True
        assert parameter.get("overwrite") is expected, parameter["name"]
    assert all("overwrite" not in p for p in parameters if p["name"].startswith("/dr/dev/regional/"))
