"""The JSON Schema that writers' editors use is generated from the model and committed up to date."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from kb_build.cli import schemas
from kb_build.model import FILES
from tests.conftest import ROOT, run_kb

DATA = ROOT / "data"


def test_committed_schema_is_up_to_date() -> None:
    for file_name, text in schemas().items():
        committed = DATA / "schema" / file_name
        assert committed.read_text(encoding="utf-8") == text, f"run `kb schema`: {committed} is stale"


def test_each_data_file_points_to_its_schema() -> None:
    for name in FILES:
        first_line = (DATA / f"{name}.yml").read_text(encoding="utf-8").splitlines()[0]
        assert first_line == f"# yaml-language-server: $schema=schema/{name}.schema.json"


def test_schema_describes_keys_and_durations() -> None:
    timelines = json.loads(schemas()["timelines.schema.json"])
    timeline = timelines["$defs"]["Timeline"]
    assert timeline["additionalProperties"] is False
    assert set(timeline["required"]) >= {"id", "title", "wording", "min", "max"}
    assert timeline["properties"]["min"]["pattern"].startswith("^")


def test_schema_command_writes_files(tmp_path: Path) -> None:
    result = run_kb("schema", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(schemas())


def test_each_translation_file_points_to_its_schema_and_follows_it() -> None:
    written = schemas()
    translations = sorted(DATA.glob("*/*.yml"))
    assert translations, "no translation files in data/<code>/"
    for path in translations:
        if path.parent.name in ("schema", "sources"):
            continue
        name = path.stem
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        assert first_line == f"# yaml-language-server: $schema=../schema/{name}.translation.schema.json", path
        schema = json.loads(written[f"{name}.translation.schema.json"])
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def test_a_translation_schema_refuses_what_the_loader_refuses() -> None:
    schema = json.loads(schemas()["process.translation.schema.json"])
    good = {"title": {"text": "Support", "source_hash": "c24442fb"}}
    jsonschema.validate(good, schema)
    for bad in (
        {"titel": {"text": "Support", "source_hash": "c24442fb"}},  # a key the French file does not have
        {"title": "Support"},  # no hash
        {"title": {"text": "Support", "source_hash": "nothex!!"}},
        {"steps": [{"id": "ouverture", "team": "support"}]},  # not a text
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_schema_command_says_in_french_where_it_cannot_write(tmp_path: Path) -> None:
    (tmp_path / "afile.txt").write_text("à garder", encoding="utf-8")
    for out, expected in (
        ("afile.txt", "--out afile.txt : ce chemin existe et n'est pas un dossier ; choisissez un dossier"),
        (
            "afile.txt/schema",
            "--out afile.txt/schema : impossible d'y écrire les schémas (un élément du chemin n'est pas un dossier) ; "
            "choisissez un dossier où vous pouvez écrire",
        ),
    ):
        result = run_kb("schema", "--out", out, cwd=tmp_path)
        assert (result.returncode, result.stderr.splitlines()) == (1, [expected])
    assert (tmp_path / "afile.txt").read_text(encoding="utf-8") == "à garder"
