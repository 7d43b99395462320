"""The layer graph, derived from the contracts: order, parallel waves, reverse order."""

from __future__ import annotations

from collections.abc import Iterable

from shared.contracts import LAYERS, contract


def dependencies(layer: str) -> tuple[str, ...]:
    return contract(layer).depends_on


def dependents(layer: str) -> tuple[str, ...]:
    return tuple(name for name, spec in LAYERS.items() if layer in spec.depends_on)


def waves(layers: Iterable[str] | None = None) -> list[list[str]]:
    """Groups of layers that can run at once; each wave needs only earlier waves."""
    selected = list(LAYERS) if layers is None else list(layers)
    done: set[str] = set()
    result: list[list[str]] = []
    remaining = [name for name in LAYERS if name in selected]
    while remaining:
        ready = [n for n in remaining
                 if all(d in done or d not in selected for d in dependencies(n))]
        if not ready:
            raise ValueError(f"dependency cycle among layers: {', '.join(remaining)}")
        result.append(ready)
        done.update(ready)
        remaining = [n for n in remaining if n not in ready]
    return result


def deploy_order(layers: Iterable[str] | None = None) -> list[str]:
    return [name for wave in waves(layers) for name in wave]


def destroy_order(layers: Iterable[str] | None = None) -> list[str]:
    return list(reversed(deploy_order(layers)))


def upstream_closure(layer: str) -> set[str]:
    """Every layer `layer` needs, directly or not."""
    seen: set[str] = set()
    stack = list(dependencies(layer))
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(dependencies(name))
    return seen


def downstream_closure(layer: str) -> set[str]:
    seen: set[str] = set()
    stack = list(dependents(layer))
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(dependents(name))
    return seen


def mermaid(empty: Iterable[str] = ()) -> str:
    """The graph; `empty` layers (deploying nothing in one environment) drawn dashed."""
    lines = ["graph LR"]
    for name, spec in LAYERS.items():
        lines.extend(f"  {dep} --> {name}" for dep in spec.depends_on)
    hollow = [name for name in LAYERS if name in set(empty)]
    if hollow:
        lines.append("  classDef empty stroke-dasharray: 5 5")
        lines.extend(f'  {name}["{name} (deploys nothing)"]:::empty' for name in hollow)
    return "\n".join(lines)


def dot(empty: Iterable[str] = ()) -> str:
    lines = ["digraph layers {", "  rankdir=LR;"]
    hollow = set(empty)
    for name, spec in LAYERS.items():
        style = f' [style=dashed, label="{name}\\n(deploys nothing)"]' if name in hollow else ""
        lines.append(f'  "{name}"{style};')
        lines.extend(f'  "{dep}" -> "{name}";' for dep in spec.depends_on)
    lines.append("}")
    return "\n".join(lines)
