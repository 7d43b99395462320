"""Fake identities of the compute layer: Lambda, SQS, API Gateway, EventBridge."""

from __future__ import annotations

from typing import Any

from shared.plan.fakes.core import ACCOUNT_ID, APIGW_ZONES, Fake, answers, builds, digest

_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789"


def _api_id(fake: Fake, length: int = 10, salt: str = "") -> str:
    """API Gateway's lowercase alphanumeric IDs (rest API 10 characters, resources 6)."""
    number = int(digest(fake.seed + salt, 16), 16)
    return "".join(_ALPHANUMERIC[(number >> (5 * i)) % 36] for i in range(length))


@builds("aws:lambda/function:Function")
def _function(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = f"arn:aws:lambda:{fake.region}:{ACCOUNT_ID}:function:{name}"
    state.update(
        arn=arn, qualifiedArn=f"{arn}:$LATEST", version="$LATEST",
        invokeArn=f"arn:aws:apigateway:{fake.region}:lambda:path/2015-03-31/functions/{arn}"
                  "/invocations")
    return name, state


@builds("aws:sqs/queue:Queue")
def _queue(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    url = f"https://sqs.{fake.region}.amazonaws.com/{ACCOUNT_ID}/{name}"
    state.update(arn=f"arn:aws:sqs:{fake.region}:{ACCOUNT_ID}:{name}", url=url)
    return url, state


@builds("aws:apigateway/restApi:RestApi")
def _rest_api(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    api_id = _api_id(fake)
    state.update(
        arn=f"arn:aws:apigateway:{fake.region}::/restapis/{api_id}",
        executionArn=f"arn:aws:execute-api:{fake.region}:{ACCOUNT_ID}:{api_id}",
        rootResourceId=_api_id(fake, 6, salt="root"))
    return api_id, state


@builds("aws:apigateway/resource:Resource")
def _resource(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return _api_id(fake, 6), state


@builds("aws:apigateway/stage:Stage")
def _stage(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    api_id, stage = state["restApi"], state["stageName"]
    state.update(
        arn=f"arn:aws:apigateway:{fake.region}::/restapis/{api_id}/stages/{stage}",
        invokeUrl=f"https://{api_id}.execute-api.{fake.region}.amazonaws.com/{stage}",
        executionArn=f"arn:aws:execute-api:{fake.region}:{ACCOUNT_ID}:{api_id}/{stage}")
    return f"ags-{api_id}-{stage}", state


@builds("aws:apigateway/domainName:DomainName")
def _domain(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    domain = state["domainName"]
    state.update(
        arn=f"arn:aws:apigateway:{fake.region}::/domainnames/{domain}",
        regionalDomainName=f"d-{_api_id(fake)}.execute-api.{fake.region}.amazonaws.com",
        regionalZoneId=APIGW_ZONES.get(fake.region, APIGW_ZONES["us-east-1"]))
    return domain, state


@builds("aws:cloudwatch/eventBus:EventBus")
def _bus(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    state["arn"] = f"arn:aws:events:{fake.region}:{ACCOUNT_ID}:event-bus/{name}"
    return name, state


@builds("aws:cloudwatch/eventRule:EventRule")
def _rule(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    bus = state.get("eventBusName")
    path = f"{bus}/{name}" if bus and bus != "default" else name
    state["arn"] = f"arn:aws:events:{fake.region}:{ACCOUNT_ID}:rule/{path}"
    return f"{bus}/{name}" if bus and bus != "default" else name, state


@builds("aws:cloudwatch/eventEndpoint:EventEndpoint")
def _endpoint(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    state.update(arn=f"arn:aws:events:{fake.region}:{ACCOUNT_ID}:endpoint/{name}",
                 endpointUrl=f"https://{_api_id(fake)}.{fake.hex(4)}.endpoint.events.amazonaws.com")
    return name, state


@builds("aws:wafv2/webAcl:WebAcl", "aws:wafv2/ipSet:IpSet")
def _waf(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id> (ipset likewise).
    kind = "webacl" if fake.kind == "WebAcl" else "ipset"
    resource_id = f"{fake.hex(8)}-{fake.hex(4)}-{fake.hex(4)}-{fake.hex(4)}-{fake.hex(12)}"
    state.update(arn=f"arn:aws:wafv2:{fake.region}:{ACCOUNT_ID}:regional/{kind}/{name}/{resource_id}",
                 lockToken=fake.hex(8))
    return resource_id, state


# A few of the ROUTE53_HEALTHCHECKS ranges AWS publishes in ip-ranges.json.
ROUTE53_CHECKER_RANGES = ["15.177.0.0/18", "54.243.31.192/26", "107.23.255.0/26",
                          "54.244.52.192/26", "54.245.168.0/26"]


@answers("aws:index/getIpRanges:getIpRanges")
def _ip_ranges(args: dict[str, Any], region: str) -> dict[str, Any]:
    services = [str(s).lower() for s in args.get("services", [])]
    ranges = ROUTE53_CHECKER_RANGES if services == ["route53_healthchecks"] else []
    return {"id": "1733300000", "services": services, "cidrBlocks": ranges, "ipv6CidrBlocks": [],
            "createDate": "2026-12-01-00-00-00", "syncToken": 1733300000}
