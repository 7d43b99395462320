"""`invoke cost`: what an environment costs a month, from its offline plan."""

from __future__ import annotations

import json

from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import (
    ENV_HELP,
    SET_HELP,
    aws_clients,
    fail,
    offline_plan,
    parse_overrides,
    read_env,
    task,
)
from shared.cost.book import PriceBook


@task(iterable=["set_"], help={
    "env": ENV_HELP,
    "live": "refresh the prices from the AWS Price List API first (needs AWS credentials)",
    "format": "table (default; text is the same) or json",
    "set_": SET_HELP,
    "compare_strategies": "price the environment under each DR strategy (dr:strategy), side by side",
})
def cost(c: Context, env: str = "", live: bool = False, format: str = "table",
         set_: list[str] | None = None, compare_strategies: bool = False) -> None:
    """Estimate an environment's monthly AWS cost from its offline plan and the price book."""
    from shared.cost.book import PriceBookError, load_price_book
    from shared.cost.estimate import estimate, render
    if format not in ("table", "text", "json"):
        raise fail(f"--format must be table (or text) or json, not {format!r}")
    overrides = parse_overrides(set_ or [])
    try:
        book = load_price_book()
    except PriceBookError as error:
        raise fail(str(error)) from None
    if live:
        book = _refreshed(book)
    env = read_env(env)
    if compare_strategies:
        from shared.cost.strategies import compare_strategies as compare
        from shared.cost.strategies import render_strategies
        from shared.settings import SettingsError
        try:
            costs = compare(env, overrides, lambda given: offline_plan(env, given), book)
        except SettingsError as error:
            raise fail(str(error)) from None
        print(json.dumps(costs.to_json(), indent=2) if format == "json" else render_strategies(costs))
        return
    plan = offline_plan(env, overrides)
    result = estimate(env, [(run.name, run.resources) for run in plan.runs], book)
    if format == "json":
        print(json.dumps(result.to_json() | {"strategy": plan.settings.strategy}, indent=2))
        return
    print(f"DR strategy: {plan.settings.strategy} (all three: --compare-strategies)")
    print(render(result))


def _refreshed(book: PriceBook) -> PriceBook:
    from shared.cost.live import PRICING_API_REGION, PricingUnavailable, refresh

    offline = f"run without --live to use the prices read on {book.read}"
    try:
        clients = aws_clients()
    except Exit as error:
        raise fail(f"{str(error.message).removeprefix('error: ')}; or {offline}") from None
    try:
        return refresh(book, clients.client("pricing", PRICING_API_REGION))
    except PricingUnavailable as error:
        raise fail(f"{error}; run without --live to use the prices read on {book.read}") from None
