"""The dependency-direction contract (`lint-imports`, run by `make test`) covers every app."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def contract_layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = config["tool"]["importlinter"]["contracts"]
    assert contract["type"] == "layers"
    return [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]


def test_every_app_has_exactly_one_place_in_the_layers() -> None:
    apps = sorted(f"portal.{p.parent.name}" for p in (ROOT / "portal").glob("*/apps.py"))
    placed = sorted(name for layer in contract_layers() for name in layer)
    assert placed == apps


def test_core_is_the_bottom_layer_the_back_office_on_top_and_the_doors_below_it() -> None:
    layers = contract_layers()
    assert layers[-1] == ["portal.core"]
    # Staff screens use every door (an import, a DSN file, a correction) and no door uses them.
    assert layers[0] == ["portal.backoffice"]
    # The API is a door too, over the others' services; webhooks hear of every app's events.
    assert layers[1] == ["portal.api", "portal.webhooks"]
    assert layers[2] == ["portal.journey", "portal.employer", "portal.imports", "portal.dsn"]
    # Waivers register their signing effect with signatures, which knows no app above it.
    waivers = next(i for i, layer in enumerate(layers) if "portal.waivers" in layer)
    assert waivers < layers.index(["portal.signatures"])
