"""The price book: shared/cost/prices.yaml read into typed charges and per-type classifications."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

PRICES_FILE = Path(__file__).with_name("prices.yaml")


class PriceBookError(ValueError):
    """The price book is malformed; the message names the entry."""


@dataclass(frozen=True)
class Charge:
    name: str
    title: str
    price: float  # USD per unit
    unit: str
    source: str
    price_list: dict[str, Any] | None = None  # {service, filters} for the Price List API
    # Units the account gets free each month (CloudWatch's first three dashboards).
    free_units: float = 0.0
    # A usage price that differs between two regions: "us-east-1 us-east-2" -> USD per unit.
    pair_prices: dict[str, float] = field(default_factory=dict)

    def price_between(self, regions: set[str]) -> float:
        """The unit price for traffic between `regions` (the usual price unless a pair is listed)."""
        return self.pair_prices.get(" ".join(sorted(regions)), self.price)


@dataclass(frozen=True)
class TypeCharges:
    standing: tuple[str, ...] = ()
    usage: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriceBook:
    read: str  # the date the prices were read
    region: str
    hours_per_month: float
    charges: dict[str, Charge]
    types: dict[str, TypeCharges]  # type token -> charges; free types map to TypeCharges()
    refreshed: dict[str, str] = field(default_factory=dict)  # charge -> what --live did

    @property
    def standing_charges(self) -> set[str]:
        return {name for entry in self.types.values() for name in entry.standing}

    def with_price(self, charge: str, price: float) -> PriceBook:
        charges = {**self.charges, charge: replace(self.charges[charge], price=price)}
        return replace(self, charges=charges)


def load_price_book(path: Path = PRICES_FILE) -> PriceBook:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise PriceBookError(f"{path}: cannot read the price book: {error}") from None
    charges = {name: _charge(path, name, entry)
               for name, entry in (document.get("charges") or {}).items()}
    types = {token: _type(path, token, entry, charges)
             for token, entry in (document.get("types") or {}).items()}
    return PriceBook(str(document.get("read", "")), str(document.get("region", "")),
                     float(document.get("hours_per_month", 730)), charges, types)


def _charge(path: Path, name: str, entry: Any) -> Charge:
    missing = [key for key in ("title", "price", "unit", "source") if key not in (entry or {})]
    if missing:
        raise PriceBookError(f"{path}: charge {name} lacks {', '.join(missing)}")
    return Charge(name, str(entry["title"]), float(entry["price"]), str(entry["unit"]),
                  str(entry["source"]), entry.get("price_list"), float(entry.get("free_units", 0)),
                  {str(pair): float(price) for pair, price in (entry.get("pair_prices") or {}).items()})


def _type(path: Path, token: str, entry: Any, charges: dict[str, Charge]) -> TypeCharges:
    if entry == "free":
        return TypeCharges()
    if not isinstance(entry, dict) or not set(entry) <= {"standing", "usage"} or not entry:
        raise PriceBookError(f"{path}: type {token} must be `free` or a map of standing/usage lists")
    named = TypeCharges(tuple(entry.get("standing") or ()), tuple(entry.get("usage") or ()))
    unknown = [name for name in (*named.standing, *named.usage) if name not in charges]
    if unknown:
        raise PriceBookError(f"{path}: type {token} names unknown charges {unknown}")
    return named
