"""`invoke cost --live` against the Price List API's model, through botocore's Stubber (moto has
no Price List API)."""

import json

import boto3
import pytest
from botocore.stub import Stubber

from shared.cost.book import load_price_book
from shared.cost.live import PricingUnavailable, refresh


def product(usd):
    return json.dumps({"product": {"sku": "SKU1"}, "terms": {"OnDemand": {"SKU1.TERM": {"priceDimensions": {
        "SKU1.TERM.DIM": {"unit": "Hrs", "pricePerUnit": {"USD": f"{usd:.10f}"}}}}}}})


def queried(book):
    return [(name, charge) for name, charge in book.charges.items() if charge.price_list]


def expected_request(book, charge):
    filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": book.region}]
    filters += [{"Type": "TERM_MATCH", "Field": k, "Value": str(v)}
                for k, v in charge.price_list["filters"].items()]
    return {"ServiceCode": charge.price_list["service"], "Filters": filters, "FormatVersion": "aws_v1"}


@pytest.fixture
def pricing():
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber


def test_a_single_matching_price_replaces_the_book_price_and_ambiguity_keeps_it(pricing):
    client, stubber = pricing
    book = load_price_book()
    for name, charge in queried(book):
        answer = {"load-balancer-hour": [product(0.0252)],
                  "kms-key-month": [product(1.0), product(0.03)],  # two prices: ambiguous
                  "dashboard-month": []}.get(name, [product(charge.price)])
        stubber.add_response("get_products", {"PriceList": answer, "FormatVersion": "aws_v1"},
                             expected_request(book, charge))
    fresh = refresh(book, client)
    stubber.assert_no_pending_responses()
    assert fresh.charges["load-balancer-hour"].price == 0.0252
    assert fresh.refreshed["load-balancer-hour"] == "$0.0225 -> $0.0252"
    assert fresh.charges["kms-key-month"].price == 1.0
    assert fresh.refreshed["kms-key-month"] == "kept $1: the query matched $0.03, $1"
    assert fresh.refreshed["dashboard-month"] == "kept $3: the query matched no product"
    assert fresh.refreshed["secret-month"] == "unchanged"


def test_refused_credentials_stop_the_refresh_with_one_clear_error(pricing):
    client, stubber = pricing
    stubber.add_client_error("get_products", "AccessDeniedException", "not authorized: pricing:GetProducts")
    with pytest.raises(PricingUnavailable, match="the Price List API refused the request"):
        refresh(load_price_book(), client)


def test_invoke_cost_live_without_credentials_is_one_line_and_names_the_offline_way(tmp_path):
    import os
    import subprocess
    import sys

    from shared.config import REPO_ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
               AWS_EC2_METADATA_DISABLED="true")
    done = subprocess.run([sys.executable, "-m", "invoke", "cost", "--live"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: no AWS credentials found")
    assert f"run without --live to use the prices read on {load_price_book().read}" in done.stderr
