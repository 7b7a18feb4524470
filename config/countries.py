"""`make countries`: rebuilds kb/lib/data/countries.json from the npm registry.

Search finds a country's records by the names people type: everyday, former
and official names and demonyms, in English and French ("Turkey", "Burma",
"Ivory Coast", "Turkish", "turc"). CLDR (babel) has no demonyms and few
alternative names; the `world-countries` package (mledoze/countries, ODbL 1.0)
has both. This script copies the part search reads, one line per country, and
the licence beside it. The file is committed, so a fresh clone needs no npm and
no network; run this only to change the pinned version, look at the diff, and
commit. Install scripts never run: only the package's published JSON is read.
"""

import json
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

PACKAGE = "world-countries"
VERSION = "5.1.0"
LICENCE = "ODbL-1.0"

OUT = Path(__file__).resolve().parent.parent / "kb" / "lib" / "data"


def latin(text):
    """Whether every letter of `text` is Latin: other scripts are nobody's English or French."""
    return all(
        unicodedata.name(c, "").startswith("LATIN")
        for c in text
        if unicodedata.category(c)[0] == "L"
    )


def distinct(names):
    return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def entry(country):
    code = country["cca2"]
    name = country["name"]
    french = country.get("translations", {}).get("fra", {})
    demonyms = country.get("demonyms", {})
    # Alternative spellings mix languages ("Burma", "Republic of Turkey", "Türkiye
    # Cumhuriyeti"); the codes themselves are searched elsewhere.
    other = [s for s in country.get("altSpellings", []) if s != code and latin(s)]
    return {
        "en": distinct([name.get("common"), name.get("official")]),
        "fr": distinct([french.get("common"), french.get("official")]),
        "other": distinct(other),
        "demonyms_en": distinct(demonyms.get("eng", {}).values()),
        "demonyms_fr": distinct(demonyms.get("fra", {}).values()),
    }


def main():
    if shutil.which("npm") is None:
        sys.exit("make countries needs npm (Node.js)")
    with tempfile.TemporaryDirectory() as tmp:
        npm = "npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error"
        subprocess.run([*npm.split(), "--prefix", tmp, f"{PACKAGE}@{VERSION}"], check=True)
        package = Path(tmp) / "node_modules" / PACKAGE
        installed = json.loads((package / "package.json").read_text())["version"]
        if installed != VERSION:
            sys.exit(f"{PACKAGE}: got {installed}, wanted {VERSION}")
        countries = json.loads((package / "countries.json").read_text(encoding="utf-8"))
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copy(package / "LICENSE", OUT / f"{PACKAGE}.LICENSE")
    table = {c["cca2"]: entry(c) for c in sorted(countries, key=lambda c: c["cca2"])}
    about = {
        "source": f"{PACKAGE} {VERSION} (npm; mledoze/countries)",
        "licence": LICENCE,
        "written_by": "make countries (config/countries.py); do not edit by hand",
    }
    # One line per country, so a new version's diff reads country by country.
    lines = [f"    {json.dumps(c)}: {json.dumps(e, ensure_ascii=False)}" for c, e in table.items()]
    text = (
        f'{{\n  "about": {json.dumps(about)},\n  "countries": {{\n'
        + ",\n".join(lines)
        + "\n  }\n}\n"
    )
    (OUT / "countries.json").write_text(text, encoding="utf-8")
    print(f"kb/lib/data/countries.json: {len(table)} countries from {PACKAGE} {VERSION}")


if __name__ == "__main__":
    main()
