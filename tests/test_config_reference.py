"""docs/configuration.md is the generated reference of every setting, and up to date."""

from pathlib import Path

from opcoord.config import Settings, configuration_reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_configuration_md_is_generated_from_the_settings() -> None:
    assert DOC.read_text(encoding="utf-8") == configuration_reference(), (
        "docs/configuration.md is stale: run python scripts/config-reference.py"
    )


def test_every_setting_is_in_the_reference_with_a_description() -> None:
    text = configuration_reference()
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert f"| `OPCOORD_{name.upper()}` |" in text, name
