"""The price book stays honest against the plan: every AWS type the plans hold is classified,
every priced type is one the plans hold, and every standing charge is counted."""

import pytest

from shared.cost.book import PriceBookError, load_price_book
from shared.cost.quantities import STANDING
from tests.support import plan_of

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f3c7a52-6b5e-4c53-9a3e-1d2f3a4b5c6d"
# Every optional feature on: custom domains, failover DNS records, e-mail alerts.
ALL_OPTIONS = {"primaryDomain": "api-use1.example.com", "primaryCertificateArn": CERTIFICATE,
               "secondaryDomain": "api-use2.example.com",
               "secondaryCertificateArn": CERTIFICATE.replace("us-east-1", "us-east-2"),
               "hostedZoneId": "Z0123456789ABCDEFGHIJ", "failoverRecordName": "app.example.com",
               "alertEmail": "oncall@example.com", "appPort": "443"}


@pytest.fixture(scope="module")
def planned_types():
    plans = (plan_of("dev"), plan_of("prod"), plan_of("dev", **ALL_OPTIONS))
    return {r["type"] for plan in plans for run in plan.runs for r in run.resources
            if r["custom"] and not r["type"].startswith("pulumi:")}


def test_every_aws_type_the_plans_hold_is_priced_or_declared_free(planned_types):
    book = load_price_book()
    assert sorted(planned_types - set(book.types)) == []


def test_every_type_in_the_price_book_is_one_the_plans_hold(planned_types):
    book = load_price_book()
    assert sorted(set(book.types) - planned_types) == []


def test_every_standing_charge_is_counted_and_every_count_is_a_priced_standing_charge():
    book = load_price_book()
    assert book.standing_charges == set(STANDING)


def test_every_charge_is_used_and_carries_its_source_and_the_read_date():
    book = load_price_book()
    used = {name for entry in book.types.values() for name in (*entry.standing, *entry.usage)}
    assert set(book.charges) == used
    assert all(charge.source.startswith("https://aws.amazon.com/") for charge in book.charges.values())
    assert book.read and book.region == "us-east-1"


def test_a_type_naming_an_unknown_charge_is_refused_with_its_name(tmp_path):
    broken = tmp_path / "prices.yaml"
    broken.write_text("charges: {}\ntypes:\n  aws:kms/key:Key: {standing: [kms-key-year]}\n")
    with pytest.raises(PriceBookError, match=r"aws:kms/key:Key names unknown charges \['kms-key-year'\]"):
        load_price_book(broken)
