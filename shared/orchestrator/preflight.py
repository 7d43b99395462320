"""Checks before any layer runs, each failing with one line that names the problem and the fix."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ReadTimeoutError,
)

from shared import aws_sdk
from shared.config import layer_settings
from shared.orchestrator.errors import OrchestratorError
from shared.orchestrator.pulumi_cli import INSTALL_HINT, PulumiCli, last_line
from shared.providers import check_home
from shared.settings import Settings, SettingsError

# The layers' Pulumi.yaml use the Python `toolchain` runtime option (CLI 3.121, June 2024)
# and the SDK in requirements.txt is much newer; an older CLI fails in confusing ways.
MIN_VERSION = (3, 121, 0)
# What the SDK raises when a region's endpoint neither answers nor refuses in time.
UNANSWERED = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)
VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def check_settings(environment: str, layers: Iterable[str]) -> dict[str, Settings]:
    """Each layer's merged settings (the one merge of shared/config.py), all validated, and its
    provider homed where it lives (shared/providers.py)."""
    try:
        found = {layer: layer_settings(layer, environment) for layer in layers}
        for layer, settings in found.items():
            check_home(layer, environment, settings)
        return found
    except SettingsError as error:
        raise OrchestratorError(str(error)) from None


def check_cli(cli: PulumiCli) -> str:
    """The pulumi CLI's version; fails when it is older than MIN_VERSION."""
    try:
        result = cli.run(["version"], timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise OrchestratorError(f"the pulumi CLI at {cli.binary} does not run ({error}); "
                                f"{INSTALL_HINT}") from None
    match = VERSION.search(result.stdout or "")
    if result.returncode != 0 or not match:
        raise OrchestratorError(f"`pulumi version` failed: {last_line(result.stderr or result.stdout)}; "
                                f"{INSTALL_HINT}")
    found = tuple(int(part) for part in match.groups())
    if found < MIN_VERSION:
        need = ".".join(map(str, MIN_VERSION))
        raise OrchestratorError(f"the pulumi CLI is {match.group(0)}, older than the {need} these "
                                "projects need; upgrade it: pulumi self upgrade (or reinstall)")
    return match.group(0)


def check_aws(region: str, environ: Mapping[str, str] | None = None,
              client: Any = None) -> str:
    """The AWS account the credentials belong to, asked of STS (AWS_ENDPOINT_URL honoured)."""
    env = os.environ if environ is None else environ
    endpoint = env.get("AWS_ENDPOINT_URL_STS") or env.get("AWS_ENDPOINT_URL") or None
    fix = "configure credentials (aws configure, aws sso login, or AWS_PROFILE / AWS_ACCESS_KEY_ID)"
    try:
        sts = client or aws_sdk.client("sts", region_name=region, endpoint_url=endpoint)
        identity = sts.get_caller_identity()
    except NoCredentialsError:
        raise OrchestratorError(f"no AWS credentials found; {fix}") from None
    except NoRegionError:
        raise OrchestratorError("no AWS region; set dr:primaryRegion or AWS_REGION") from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        raise OrchestratorError(f"AWS rejected the credentials ({code}); refresh them or {fix}") from None
    except BotoCoreError as error:
        if not endpoint and isinstance(error, UNANSWERED):
            # Every layer's provider asks STS in its home region at configure: nothing can run.
            raise OrchestratorError(f"AWS STS in {region} does not answer ({error}); if {region} is down, "
                                    f"deploy what lives in the other region with `invoke deploy-all "
                                    f"--region-down {region}` (docs/on-call/region-down.md)") from None
        where = f" at {endpoint}" if endpoint else ""
        raise OrchestratorError(f"could not ask AWS STS{where} who you are: {error}") from None
    return str(identity["Account"])


def check_api_gateway_logging(settings: Settings, client_for: Any = None) -> None:
    """A compute deploy by an environment that does not own API Gateway's account setting
    (dr:apiGatewayAccountOwner) needs the owner's logging role already set in both regions:
    API Gateway refuses a stage's access logs while the setting names no role, and that would
    fail compute after network and data changed. An unreadable setting is left to the deploy."""
    if settings.api_gateway_account_owner:
        return
    make = client_for or (lambda region: aws_sdk.client("apigateway", region_name=region))
    for region in (settings.primary_region, settings.secondary_region):
        try:
            role = make(region).get_account().get("cloudwatchRoleArn")
        except (BotoCoreError, ClientError):
            continue
        if not role:
            raise OrchestratorError(
                f"API Gateway in {region} has no logging role for this account, and "
                f"{settings.environment} does not set it (dr:apiGatewayAccountOwner): deploy the "
                f"environment that owns it first, or set dr:apiGatewayAccountOwner: true for "
                f"{settings.environment} if no other environment in this account does")
