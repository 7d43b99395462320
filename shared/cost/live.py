"""`invoke cost --live`: refresh the price book from the AWS Price List API.

Only charges with a `price_list` query are refreshed; each query must select products whose
on-demand terms hold exactly one non-zero USD price, otherwise the book's price stays and the
estimate says why. The Price List API answers in us-east-1 (also eu-central-1 and ap-south-1),
whatever region is being priced.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.cost.book import PriceBook

PRICING_API_REGION = "us-east-1"


class PricingUnavailable(RuntimeError):
    """The Price List API could not be asked at all (credentials, network, permissions)."""


def refresh(book: PriceBook, pricing: Any) -> PriceBook:
    """A copy of `book` with every queryable price read from `pricing` (a boto3 pricing client)."""
    notes: dict[str, str] = {}
    for name, charge in book.charges.items():
        if not charge.price_list:
            continue
        try:
            prices = _prices(pricing, book.region, charge.price_list)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("AccessDeniedException", "UnrecognizedClientException",
                                                   "ExpiredTokenException"):
                raise PricingUnavailable(f"the Price List API refused the request: {error}") from None
            notes[name] = f"kept ${charge.price:g}: {error.response['Error']['Code']}"
            continue
        except BotoCoreError as error:
            raise PricingUnavailable(f"the Price List API cannot be reached: {error}") from None
        if len(prices) == 1:
            (price,) = prices
            notes[name] = ("unchanged" if price == charge.price
                           else f"${charge.price:g} -> ${price:g}")
            book = book.with_price(name, price)
        else:
            found = ", ".join(f"${p:g}" for p in sorted(prices)) or "no product"
            notes[name] = f"kept ${charge.price:g}: the query matched {found}"
    return PriceBook(book.read, book.region, book.hours_per_month, book.charges, book.types, notes)


def _prices(pricing: Any, region: str, query: dict[str, Any]) -> set[float]:
    filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}]
    filters += [{"Type": "TERM_MATCH", "Field": field, "Value": str(value)}
                for field, value in query["filters"].items()]
    found: set[float] = set()
    for page in pricing.get_paginator("get_products").paginate(
            ServiceCode=query["service"], Filters=filters, FormatVersion="aws_v1"):
        for item in page["PriceList"]:
            found |= _on_demand_usd(json.loads(item) if isinstance(item, str) else item)
    return found


def _on_demand_usd(product: dict[str, Any]) -> set[float]:
    prices = set()
    for term in (product.get("terms", {}).get("OnDemand") or {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            usd = float(dimension.get("pricePerUnit", {}).get("USD", 0))
            if usd > 0:
                prices.add(usd)
    return prices
