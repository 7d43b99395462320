"""ContractMirror under Pulumi's mocks: a secret output is never mirrored; a plain one is a
String with its text."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from shared.components.contract_mirror import ContractMirror, ContractMirrorArgs
from shared.contracts.base import SECRET, LayerContract, outputs


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
def test_a_secret_output_is_not_mirrored_and_a_plain_one_is_a_string_with_its_text(recorder):
    contract = LayerContract("vault", "test layer", outputs(("token", "a secret", SECRET),
                                                            ("name", "a plain value")))
    mirror = ContractMirror("vault-contract", ContractMirrorArgs(
        "dev", contract, {"token": "s3cr3t", "name": "vault-dev"}, ["us-east-1", "us-east-2"]))

    def check(_: Any) -> None:
        parameters = {(a.inputs["region"], a.inputs["name"]): a.inputs for a in recorder.created
                      if a.typ == "aws:ssm/parameter:Parameter"}
        assert set(parameters) == {(region, "/dr/dev/contract/vault/name")
                                   for region in ("us-east-1", "us-east-2")}
        for plain in parameters.values():
            assert plain["type"] == "String" and plain["insecureValue"] == "vault-dev"
            assert "value" not in plain and "keyId" not in plain

    return pulumi.Output.all(*(p.urn for p in mirror.parameters.values())).apply(check)
