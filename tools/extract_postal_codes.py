"""Build resources/postal_codes.json.gz from the PyPI package countrystatecity-postal-codes.

A build-time tool, not a runtime dependency. Install the package into the venv
first, then run from the repository root:

    .venv/bin/pip install countrystatecity-postal-codes
    .venv/bin/python tools/extract_postal_codes.py [--output PATH]

The data is © the countries-states-cities-database contributors, licensed under
the Open Database License (ODbL) v1.0; the README credits it. The output keeps
only what the address editor needs (code -> town for SE, NO, FI), town names in
ordinary case ("GÖTEBORG" -> "Göteborg", "MO I RANA" -> "Mo i Rana"). The
format is described in docs/decisions/postal-codes.md.

The output is deterministic (sorted keys, gzip mtime 0), so re-running the
script on the same package version gives the same bytes.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "resources" / "postal_codes.json.gz"

FORMAT_NAME = "reception-postal-codes"
FORMAT_VERSION = 1
CODE_LENGTH = {"SE": 5, "NO": 4, "FI": 5}
# Åland (AX) uses the Finnish postal system (22100 Mariehamn); the package keeps
# it as its own country, the address editor only knows Finland.
SOURCES = {"SE": ("SE",), "NO": ("NO",), "FI": ("FI", "AX")}

# Words written in lower case inside a place name (never as its first word):
# Norwegian "i"/"på" (Mo i Rana, Nes på Hedmarken), Finnish "ja", and the Finnish
# post-office suffixes "as" (asema, station), "kk" (kirkonkylä, church village)
# and "tl" (Turun lääni) as in "Heinola kk".
LOWER_WORDS = {"I", "PÅ", "JA", "AS", "KK", "TL", "OCH", "OG"}


def nice_case(name: str) -> str:
    """'GÖTEBORG' -> 'Göteborg', 'SALTSJÖ-BOO' -> 'Saltsjö-Boo', 'KRISTIANSAND S' -> 'Kristiansand S'."""
    words = name.split()
    out = []
    for index, word in enumerate(words):
        upper = word.upper()
        if index > 0 and upper in LOWER_WORDS:
            out.append(upper.lower())
        elif index > 0 and len(word) == 1:
            # Compass suffixes: Kristiansand S, Kristiansund N.
            out.append(upper)
        else:
            out.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
    return " ".join(out)


def post_town(locality: str) -> str:
    """The postal town of one package entry.

    Finnish entries read "POST OFFICE, Municipality" ("KARJAA, Raasepori",
    "KESKO, Helsinki"); what goes on the envelope is the post office, the part
    before the comma.
    """
    return nice_case(locality.split(",", 1)[0].strip())


def extract(country_entries: dict[str, list]) -> dict[str, dict[str, str]]:
    """{'SE': [Postcode, ...], ...} -> {'SE': {'11455': 'Stockholm', ...}, ...}."""
    result: dict[str, dict[str, str]] = {}
    for country, length in CODE_LENGTH.items():
        towns: dict[str, str] = {}
        for source in SOURCES[country]:
            for entry in country_entries.get(source, []):
                code = re.sub(r"\s+", "", entry.code)
                if not (len(code) == length and code.isdigit()) or not entry.localityName:
                    continue
                # The package has one entry per code today; keep the first if that changes.
                towns.setdefault(code, post_town(entry.localityName))
        result[country] = dict(sorted(towns.items()))
    return result


def write(lists: dict[str, dict[str, str]], output: Path, package_version: str) -> None:
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "source": f"countrystatecity-postal-codes {package_version} (PyPI), "
        "data from the countries-states-cities-database project",
        "licence": "ODbL-1.0",
        **lists,
    }
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    # mtime=0 and no file name in the header: same input, same bytes.
    with open(tmp, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    tmp.replace(output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    try:
        import countrystatecity_postal_codes as package
    except ImportError:
        print(
            "countrystatecity-postal-codes is not installed; run "
            ".venv/bin/pip install countrystatecity-postal-codes first.",
            file=sys.stderr,
        )
        return 1
    entries = {
        source: package.get_postcodes_of_country(source)
        for sources in SOURCES.values()
        for source in sources
    }
    missing = [source for source, found in entries.items() if not found]
    if missing:
        print(f"The package has no postal codes for: {', '.join(missing)}", file=sys.stderr)
    lists = extract(entries)
    if not lists["SE"]:
        print("No Swedish postal codes found; nothing written.", file=sys.stderr)
        return 1
    write(lists, args.output, package.__version__)
    for country, towns in lists.items():
        print(f"{country}: {len(towns)} codes, {len(set(towns.values()))} towns")
    print(f"Wrote {args.output} ({args.output.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
