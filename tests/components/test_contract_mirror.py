"""ContractMirror under Pulumi's mocks: a secret output becomes a SecureString under the
AWS-managed key, its value never in plain inputs; a plain one is a String with its text."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from shared.components.contract_mirror import SECURE_STRING_KEY, ContractMirror, ContractMirrorArgs
from shared.contracts.base import SECRET, LayerContract, outputs

SIG_KEY, SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.created: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.created.append(args)
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@pytest.fixture
def recorder():
    mocks = Recorder()
    pulumi.runtime.set_mocks(mocks, project="mirror-test", stack="dev", preview=False)
    yield mocks


@pulumi.runtime.test
def test_a_secret_output_is_a_securestring_under_the_aws_managed_key(recorder):
    contract = LayerContract("vault", "test layer", outputs(("token", "a secret", SECRET),
                                                            ("name", "a plain value")))
    mirror = ContractMirror("vault-contract", ContractMirrorArgs(
        "dev", contract, {"token": "s3cr3t", "name": "vault-dev"}, ["us-east-1", "us-east-2"]))

    def check(_: Any) -> None:
        parameters = {(a.inputs["region"], a.inputs["name"]): a.inputs for a in recorder.created
                      if a.typ == "aws:ssm/parameter:Parameter"}
        assert set(parameters) == {(region, f"/dr/dev/contract/vault/{key}")
                                   for region in ("us-east-1", "us-east-2") for key in ("token", "name")}
        for region in ("us-east-1", "us-east-2"):
            token = parameters[(region, "/dr/dev/contract/vault/token")]
            assert token["type"] == "SecureString" and token["keyId"] == SECURE_STRING_KEY
            # Sent to the engine wrapped as a secret (Pulumi's secret signature), so state encrypts it.
            assert token["value"] == {SIG_KEY: SECRET_SIG, "value": "s3cr3t"} and "insecureValue" not in token
            plain = parameters[(region, "/dr/dev/contract/vault/name")]
            assert plain["type"] == "String" and plain["insecureValue"] == "vault-dev"
            assert "value" not in plain and "keyId" not in plain

    return pulumi.Output.all(*(p.urn for p in mirror.parameters.values())).apply(check)


@pulumi.runtime.test
def test_the_secret_stays_secret_in_the_program(recorder):
    contract = LayerContract("vault", "test layer", outputs(("token", "a secret", SECRET)))
    mirror = ContractMirror("vault-contract", ContractMirrorArgs("dev", contract, {"token": "s3cr3t"},
                                                                 ["us-east-1"]))
    parameter = mirror.parameters[("us-east-1", "token")]
    return pulumi.Output.all(parameter.value.is_secret()).apply(lambda flags: _true(flags[0]))


def _true(value: Any) -> None:
    assert value is True
