"""How layers publish and read the contract: `export_outputs` and `Upstream`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from shared.components.contract_mirror import ContractMirror, ContractMirrorArgs
from shared.config import current_settings
from shared.contracts import ContractError, contract

_REFERENCES: dict[str, pulumi.StackReference] = {}


def reset_references() -> None:
    """Forget cached StackReferences (the offline plan runs several programs in one process)."""
    _REFERENCES.clear()


def export_outputs(layer: str, values: Mapping[str, pulumi.Input[Any]], keep_mirror: bool = False) -> None:
    """Export exactly the outputs `layer` declares; secrets are exported as secrets.

    The same values are mirrored into SSM Parameter Store in both DR regions
    (`/dr/<env>/contract/<layer>/<output>`, shared/contracts/mirror.py), which is what the DR
    operations and `invoke outputs --from-region` read when Pulumi or a region is unavailable.
    """
    spec = contract(layer)
    declared = set(spec.output_names)
    missing, extra = declared - set(values), set(values) - declared
    if missing or extra:
        raise ContractError(
            f"layer {layer} must export exactly its contract: missing {sorted(missing)}, "
            f"undeclared {sorted(extra)} (edit shared/contracts/)"
        )
    for output in spec.outputs:
        value = values[output.name]
        pulumi.export(output.name, pulumi.Output.secret(value) if output.secret else value)
    settings = current_settings()
    ContractMirror(f"{layer}-contract", ContractMirrorArgs(
        settings.environment, spec, values, settings.regions, settings.resource_tags, keep_mirror))


def fix_command(producer: str, environment: str) -> str:
    return f"run `invoke up --layer {producer} --env {environment}`"


class Upstream:
    """Reads a consumer's declared upstream outputs through one StackReference per producer.

    The reference name is `<org>/<project>/<stack>`: the organization comes from the backend
    the program runs against (`organization` on a self-managed backend, the team's org on
    Pulumi Cloud) and the stack is the consumer's own, so environments never cross.
    """

    def __init__(self, consumer: str) -> None:
        self.consumer = contract(consumer)
        self.environment = pulumi.get_stack()

    def _reference(self, producer: str) -> pulumi.StackReference:
        name = f"{pulumi.get_organization()}/{producer}/{self.environment}"
        if name not in _REFERENCES:
            _REFERENCES[name] = pulumi.StackReference(f"upstream-{producer}", stack_name=name)
        return _REFERENCES[name]

    def require(self, producer: str, key: str) -> pulumi.Output[Any]:
        if key not in self.consumer.consumes.get(producer, ()):
            raise ContractError(
                f"layer {self.consumer.name} reads {producer}.{key} without declaring it in "
                f"its contract's `consumes` (shared/contracts/)"
            )
        environment = self.environment

        def present(value: Any) -> Any:
            if value is None:
                raise pulumi.RunError(
                    f"layer {producer} (environment {environment}) has no output {key!r}, "
                    f"which {self.consumer.name} needs; {fix_command(producer, environment)}"
                )
            return value

        return self._reference(producer).get_output(key).apply(present)

    def outputs(self, producer: str) -> dict[str, pulumi.Output[Any]]:
        """Every key this layer declared it reads from `producer`, by name."""
        return {key: self.require(producer, key) for key in self.consumer.consumes[producer]}
