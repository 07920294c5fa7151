#!/usr/bin/env python
"""How fast `import_stories` takes in plain-text documents.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_x .venv/bin/python bench/import_speed.py
    .venv/bin/python bench/import_speed.py --documents 2000          # SQLite, smaller

Writes N realistic documents (3 highlights, 4 paragraphs, 2 opinions each) to a
temporary folder, then times three runs of the command against a throwaway
database next to the configured one (`bench_import_<name>`, or a file in the
temporary folder for SQLite), created and dropped here, so real data is never
touched:

  1. import as drafts        (every document creates a story)
  2. the same import again   (every document updates its story)
  3. import with --publish   (new documents, published in bulk by the workflow; skip with --no-publish)

Target: 10,000 documents well under a minute on PostgreSQL.
"""

import argparse
import io
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

WORDS = [
    "council",
    "harbour",
    "tram",
    "budget",
    "residents",
    "library",
    "port",
    "workers",
    "festival",
    "museum",
    "river",
    "school",
    "district",
    "election",
    "minister",
    "opera",
    "market",
    "bakery",
    "street",
    "quay",
    "station",
    "bridge",
    "park",
    "housing",
    "rent",
]
NAMES = ["Jane Doe", "Omar Haddad", "Lena Marsh", "Pieter Vos", "Mei Chen", "Karel Novak"]


def sentence(rng, words=12):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def write_documents(folder: Path, count: int, seed: int, prefix: str) -> None:
    from stories.importing import OpinionText, StoryDocument, render

    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 6, 0)
    for n in range(count):
        document = StoryDocument(
            date=start + timedelta(minutes=37 * n),
            headline=f"{prefix} {n}: {sentence(rng, 7)[:-1]}",
            highlights=tuple(sentence(rng, 10) for _ in range(3)),
            paragraphs=tuple(" ".join(sentence(rng, 18) for _ in range(3)) for _ in range(4)),
            opinions=tuple(OpinionText(rng.choice(NAMES), sentence(rng, 15)) for _ in range(2)),
        )
        # Folders of 1,000, as an archive arrives.
        path = folder / f"{n // 1000:03d}" / f"{prefix.lower()}-{n:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(document), encoding="utf-8")


def timed_import(*args) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds of one import_stories run, and its summary line."""
    from django.core.management import call_command

    out = io.StringIO()
    wall, cpu = time.perf_counter(), time.process_time()
    call_command("import_stories", *map(str, args), stdout=out, stderr=io.StringIO())
    return time.perf_counter() - wall, time.process_time() - cpu, out.getvalue().strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--no-publish", action="store_true", help="Skip the (slow) --publish run.")
    options = parser.parse_args()

    import django
    from django.conf import settings

    django.setup()
    from django.db import connection

    database = settings.DATABASES["default"]
    with tempfile.TemporaryDirectory(prefix="newsroom-import-bench-") as tmp:
        tmp = Path(tmp)
        if database["ENGINE"].endswith("sqlite3"):
            # On disk, like the real database, not Django's in-memory test default.
            database.setdefault("TEST", {})["NAME"] = str(tmp / "bench.sqlite3")
        else:
            # Not test_<name>: the test suite may be using that one.
            database.setdefault("TEST", {})["NAME"] = f"bench_import_{database['NAME']}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
            print(f"Writing 2 x {options.documents:,} documents to {tmp} ...")
            write_documents(tmp / "drafts", options.documents, seed=1, prefix="Draft")
            write_documents(tmp / "published", options.documents, seed=2, prefix="Published")

            runs = [("import as drafts", [tmp / "drafts"]), ("import again (updates)", [tmp / "drafts"])]
            if not options.no_publish:
                runs.append(("import with --publish", [tmp / "published", "--publish"]))
            # The wall clock depends on what else the machine runs; the CPU time of this
            # process (Python and Django, not the database server) much less.
            print(f"Load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            print(f"\n{'run':<26}{'wall s':>8}{'docs/s':>8}{'CPU s':>8}   summary")
            for name, args in runs:
                wall, cpu, summary = timed_import(*args)
                print(f"{name:<26}{wall:>8.1f}{options.documents / wall:>8.0f}{cpu:>8.1f}   {summary}", flush=True)
        finally:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
