"""The shape of a layer contract: the outputs it publishes and the upstream keys it reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# The declared value types of outputs. They decide how the contract mirror in SSM encodes a
# value (shared/contracts/mirror.py), so a reader without Pulumi decodes it without guessing.
STRING, NUMBER, LIST, MAP = "string", "number", "list", "map"
TYPES = (STRING, NUMBER, LIST, MAP)
# Row markers: an output that may be null (a feature left unconfigured), a secret output.
NULLABLE, SECRET = "nullable", "secret"


@dataclass(frozen=True)
class OutputSpec:
    """One published stack output; app teams depend on `name`, so it never changes lightly."""

    name: str
    description: str
    secret: bool = False
    type: str = STRING
    nullable: bool = False

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"output {self.name}: type must be one of {', '.join(TYPES)}")

    @property
    def type_label(self) -> str:
        return f"{self.type} or null" if self.nullable else self.type


@dataclass(frozen=True)
class LayerContract:
    name: str
    description: str
    outputs: tuple[OutputSpec, ...]
    # producer layer -> the output names this layer reads from it (the layer graph's edges)
    consumes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.outputs)

    @property
    def depends_on(self) -> tuple[str, ...]:
        return tuple(self.consumes)

    def output(self, name: str) -> OutputSpec:
        for spec in self.outputs:
            if spec.name == name:
                return spec
        raise KeyError(name)


def outputs(*rows: tuple[str, ...]) -> tuple[OutputSpec, ...]:
    """Rows of `(name, description, *markers)`: a type from TYPES (default string), NULLABLE, SECRET."""
    specs = []
    for name, description, *markers in rows:
        unknown = set(markers) - {*TYPES, NULLABLE, SECRET}
        if unknown:
            raise ValueError(f"output {name}: unknown markers {sorted(unknown)}")
        kind = next((m for m in markers if m in TYPES), STRING)
        specs.append(OutputSpec(name, description, secret=SECRET in markers, type=kind,
                                nullable=NULLABLE in markers))
    return tuple(specs)
