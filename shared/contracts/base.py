"""The shape of a layer contract: the outputs it publishes and the upstream keys it reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutputSpec:
    """One published stack output; app teams depend on `name`, so it never changes lightly."""

    name: str
    description: str
    secret: bool = False


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


def outputs(*rows: tuple[str, str] | tuple[str, str, bool]) -> tuple[OutputSpec, ...]:
    return tuple(OutputSpec(*row) for row in rows)
