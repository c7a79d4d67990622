"""The `kb` command: check the data, build the help center, write the data files' JSON Schema."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from pathlib import Path

from kb_build import DataError, Loaded, read
from kb_build.model import FILES
from kb_build.oserrors import reason
from kb_build.settings import DATA_DIR_NAME, data_dir, data_dir_set_to
from kb_build.site_folder import refusal, staging_for, swap
from kb_build.translations import translation_schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kb", description="Centre d'aide : données YAML, validation et construction.")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="valider les fichiers de données")
    check.add_argument("data_dir", nargs="?", type=Path, default=None, help="par défaut : $KB_DATA_DIR, ou data/")

    build = commands.add_parser("build", help="construire le site (MkDocs, mode strict)")
    build.add_argument("--site-dir", type=Path, default=Path("site"))
    build.add_argument("--config-file", type=Path, default=Path("mkdocs.yml"))
    build.add_argument("--data-dir", type=Path, default=None)
    build.add_argument("-v", "--verbose", action="store_true", help="afficher le détail de la construction")

    schema = commands.add_parser("schema", help="écrire le JSON Schema des fichiers de données")
    schema.add_argument("--out", type=Path, default=Path(DATA_DIR_NAME) / "schema")

    args = parser.parse_args(argv)
    if args.command == "check":
        return run_check(args.data_dir or data_dir())
    if args.command == "build":
        return run_build(args.site_dir, args.config_file, args.data_dir, verbose=args.verbose)
    return run_schema(args.out)


def run_check(data_dir: Path) -> int:
    if _not_a_data_folder(data_dir):
        return 1
    try:
        loaded = read(data_dir)
    except DataError as error:
        _report(error)
        return 1
    _warn(loaded)
    kb = loaded.kb
    print(
        f"{data_dir}: données valides ({len(kb.process.steps)} étapes, {len(kb.issue_types.issue_types)} types "
        f"de problèmes, {len(kb.timelines.timelines)} délais, {_count(len(kb.articles.articles), 'article')})"
        + _to_confirm(loaded)
        + _to_translate(loaded)
    )
    return 0


def _not_a_data_folder(folder: Path) -> bool:
    """Says so when `folder` is no folder: each data file would be reported missing or unreadable instead."""
    if folder.is_dir():
        return False
    what = "ce n'est pas un dossier" if folder.exists() else "ce dossier n'existe pas"
    print(
        f"{folder} : {what} ; indiquez le dossier des données (par défaut {DATA_DIR_NAME}/ ou $KB_DATA_DIR)",
        file=sys.stderr,
    )
    return True


def _to_translate(loaded: Loaded) -> str:
    return _tally(
        len(loaded.gaps), "{n} traduction{s} manquante{s} ou périmée{s} (« translations: stricte » les refuse)"
    )


def _tally(count: int, phrase: str) -> str:
    """« ; 2 engagements à confirmer … »: `phrase` with {n} the count and {s} the plural's s; empty for none."""
    return " ; " + phrase.format(n=count, s="s" if count > 1 else "") if count else ""


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'s' if number > 1 else ''}"


def _warn(loaded: Loaded) -> None:
    for warning in loaded.warnings:
        where = f"{warning.file}:{warning.position.line}:{warning.position.column}"
        print(f"{where}: avertissement : {warning.message}", file=sys.stderr)
    # The gaps of the translations, in English like the translation files they are about.
    for gap in loaded.gaps:
        where = f"{gap.file}:{gap.position.line}:{gap.position.column}"
        print(f"{where}: warning: {gap.message}", file=sys.stderr)


def _to_confirm(loaded: Loaded) -> str:
    return _tally(
        len(loaded.warnings), "{n} engagement{s} à confirmer (voir ci-dessus ; « publication: stricte » les refuse)"
    )


def run_build(site_dir: Path, config_file: Path, data_dir_given: Path | None, *, verbose: bool = False) -> int:
    """Build into a folder beside `site_dir`, then swap: a failed build leaves the previous site as it was."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    folder = data_dir_given or data_dir(root=config_file.resolve().parent)
    if _not_a_data_folder(folder):
        print("Construction annulée : rien n'a été modifié.", file=sys.stderr)
        return 1
    # Check the data first: the writer gets the same messages without MkDocs' noise around them.
    try:
        loaded = read(folder)
    except DataError as error:
        _report(error)
        print("Construction annulée : le site existant n'a pas été modifié.", file=sys.stderr)
        return 1
    # The whole folder is replaced: never one that holds anything but a previous build.
    keep = ((folder, f"le dossier des données ({folder})"), (config_file, f"la configuration ({config_file})"))
    refused = refusal(site_dir, str(site_dir), keep)
    if refused:
        print(f"{refused}\nConstruction annulée : rien n'a été modifié.", file=sys.stderr)
        return 1
    _warn(loaded)
    with data_dir_set_to(folder):
        return _build(site_dir, config_file, keep, loaded.kb.languages, verbose=verbose)


def _build(
    site_dir: Path, config_file: Path, keep: tuple[tuple[Path, str], ...], languages: tuple[str, ...], *, verbose: bool
) -> int:
    """One MkDocs build per language: French at the root, each other language into <code>/, with its own pages,
    search index and sitemap (MkDocs' search and Material's words are per build)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from kb_build.languages import LANGUAGE_SETTING, SITE_ROOT_SETTING

    logging.basicConfig(format="%(levelname)s - %(message)s", level=logging.INFO if verbose else logging.WARNING)
    shown = str(site_dir)
    site_dir = site_dir.resolve()
    try:
        staging = staging_for(site_dir)
    except OSError as error:
        print(
            f"--site-dir {shown} : impossible d'y créer le site ({reason(error)}) ; "
            "choisissez un dossier où vous pouvez écrire\nConstruction annulée : rien n'a été modifié.",
            file=sys.stderr,
        )
        return 1
    try:
        # French first: MkDocs empties the folder it builds into, and the others go inside it.
        for index, language in enumerate(languages):
            into = staging if index == 0 else staging / language
            config = load_config(str(config_file), site_dir=str(into), strict=True)
            config.extra[LANGUAGE_SETTING] = language
            config.extra[SITE_ROOT_SETTING] = str(staging)
            if index and config.site_url:
                config.extra["kb_site_url"] = config.site_url
                config.site_url = config.site_url.rstrip("/") + f"/{language}/"
            build(config)
    except (MkDocsException, SystemExit) as error:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"{error}\nConstruction annulée : le site existant n'a pas été modifié.", file=sys.stderr)
        return 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    # Checked again: the folder may have been filled while MkDocs built.
    refused = refusal(site_dir, shown, keep)
    try:
        if refused is None:
            swap(staging, site_dir)
    except OSError as error:
        refused = f"--site-dir {shown} : impossible d'y mettre le site ({reason(error)}) ; choisissez un autre dossier"
    if refused is not None:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"{refused}\nConstruction annulée : le site existant n'a pas été modifié.", file=sys.stderr)
        return 1
    print(f"Site construit dans {site_dir}")
    return 0


def schemas() -> dict[str, str]:
    """The JSON Schema of each data file, by file name, as written to disk."""
    result = {}
    for name, record in FILES.items():
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$comment": "Generated by `kb schema` from kb_build/model.py; do not edit by hand.",
            **record.model_json_schema(),
        }
        result[f"{name}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        # The same file's translations (data/<code>/<name>.yml): its texts only.
        translated = translation_schema(record)
        if translated is not None:
            translation = {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$comment": "Generated by `kb schema` from kb_build/translations.py; do not edit by hand.",
                "title": f"Translation of {name}.yml",
                **translated,
            }
            result[f"{name}.translation.schema.json"] = json.dumps(translation, indent=2, ensure_ascii=False) + "\n"
    return result


def run_schema(out: Path) -> int:
    if out.exists() and not out.is_dir():
        print(f"--out {out} : ce chemin existe et n'est pas un dossier ; choisissez un dossier", file=sys.stderr)
        return 1
    try:
        out.mkdir(parents=True, exist_ok=True)
        for file_name, text in schemas().items():
            (out / file_name).write_text(text, encoding="utf-8")
    except OSError as error:
        print(
            f"--out {out} : impossible d'y écrire les schémas ({reason(error)}) ; choisissez un dossier où vous "
            "pouvez écrire",
            file=sys.stderr,
        )
        return 1
    print(f"JSON Schema écrits dans {out}")
    return 0


def _report(error: DataError) -> None:
    for line in error.report():
        print(line, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
