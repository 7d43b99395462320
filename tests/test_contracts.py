"""The output contract holds: every key a consumer reads is declared and exported by its producer."""

from pathlib import Path

import pytest

from shared.contracts import LAYERS, ContractError
from shared.docs import CONTRACT_DOC, SETTING_DOCS, SETTINGS_DOC, contract_markdown, settings_markdown
from shared.graph import deploy_order, destroy_order, waves
from shared.settings import KEYS


def test_every_consumed_key_is_declared_by_its_producer():
    for consumer, spec in LAYERS.items():
        for producer, keys in spec.consumes.items():
            missing = set(keys) - set(LAYERS[producer].output_names)
            assert not missing, f"{consumer} reads {producer}.{sorted(missing)}, which it does not declare"


def test_every_declared_output_is_exported_by_the_plan(dev_plan):
    for run in dev_plan.runs:
        assert set(run.outputs.values) == set(LAYERS[run.name].output_names), run.name


def test_output_names_are_stable_snake_case_with_descriptions():
    for spec in LAYERS.values():
        for output in spec.outputs:
            assert output.name.islower() and " " not in output.name and "-" not in output.name
            assert output.description and output.description[0].isupper()


def test_graph_is_derived_from_consumes():
    assert waves() == [["network-primary", "network-secondary"], ["global-traffic", "data"],
                       ["compute"], ["monitoring"], ["recovery"]]
    assert deploy_order()[::-1] == destroy_order()


def test_the_docs_hold_the_current_contract_and_settings_table():
    contract = Path(CONTRACT_DOC).read_text(encoding="utf-8")
    settings = Path(SETTINGS_DOC).read_text(encoding="utf-8")
    assert contract_markdown() in contract, f"{CONTRACT_DOC} is stale: run `invoke docs`"
    assert settings_markdown() in settings, f"{SETTINGS_DOC} is stale: run `invoke docs`"


def test_every_setting_is_documented():
    assert set(SETTING_DOCS) == set(KEYS)


def test_reading_an_undeclared_key_is_refused():
    from shared.stack_io import Upstream

    with pytest.raises(ContractError, match="reads network-primary.nlb_arn without declaring it"):
        Upstream("data").require("network-primary", "nlb_arn")
