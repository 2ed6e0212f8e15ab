"""``make fuzz`` part one: run the atheris target for a while and print a one-line verdict.

    python -m reliability.fuzz [--seconds 600] [--workdir .fuzz]

The corpus that libFuzzer grows is kept in ``WORKDIR/corpus`` (a later run starts from it); a crash is
saved as ``WORKDIR/crashes/crash-<sha1>`` and turned into a hostile-corpus case by hand.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

DONE = re.compile(r"Done (\d+) runs in (\d+) second")
COVERAGE = re.compile(r"cov: (\d+) ft: (\d+) corp: (\d+)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "600")))
    parser.add_argument("--workdir", type=Path, default=Path(".fuzz"))
    args = parser.parse_args()
    corpus, crashes = args.workdir / "corpus", args.workdir / "crashes"
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    log_path = args.workdir / "fuzz.log"
    started = time.monotonic()
    command = [sys.executable, "-m", "reliability.fuzz_target", f"-max_total_time={args.seconds}",
               "-timeout=30", "-rss_limit_mb=4096", "-print_final_stats=1", f"-artifact_prefix={crashes}/", str(corpus)]
    with log_path.open("w") as log:
        result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False,
                                timeout=args.seconds + 300)
    elapsed = time.monotonic() - started
    text = log_path.read_text(errors="replace")
    done = DONE.search(text)
    runs = int(done.group(1)) if done else _last_count(text)
    coverage = COVERAGE.findall(text)
    edges, _features, kept = coverage[-1] if coverage else ("?", "?", "?")
    found = sorted(path.name for path in crashes.iterdir() if path.name.startswith(("crash-", "timeout-", "oom-")))
    failed = result.returncode != 0 or bool(found)
    verdict = "FAIL" if failed else "PASS"
    print(f"fuzz {verdict}: {runs} cases in {elapsed:.0f} s ({runs / max(elapsed, 1):.0f}/s), "
          f"{len(found)} crashes, coverage {edges} edges, corpus {kept} inputs"
          + (f"; see {log_path} and {crashes}: {', '.join(found)}" if failed else ""))
    return 1 if failed else 0


def _last_count(text: str) -> int:
    counts = re.findall(r"^#(\d+)", text, re.MULTILINE)
    return int(counts[-1]) if counts else 0


if __name__ == "__main__":
    sys.exit(main())
