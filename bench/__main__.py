"""Run every benchmark and print one table: ``make bench`` or ``python -m bench [name ...]``.

Each ``bench/bench_<name>.py`` exposes ``run() -> list[bench.table.Row]``. A figure is always reported as a
ratio to a baseline measured in the same run, on the same machine, so numbers compare across machines.
"""

import importlib
import os
import pkgutil
import sys
import time
import traceback

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

from bench.table import Row, print_table


def main(argv):
    wanted = set(argv)
    names = sorted(m.name for m in pkgutil.iter_modules([os.path.dirname(__file__)]) if m.name.startswith("bench_"))
    rows = []
    for name in names:
        if wanted and name.removeprefix("bench_") not in wanted and name not in wanted:
            continue
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(importlib.import_module(f"bench.{name}").run())
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            rows.append(Row(name, "FAILED", None, "", None, str(exc)[:80]))
        print(f"  {name}: {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    print_table(rows)
    return 1 if any(r.measure == "FAILED" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
