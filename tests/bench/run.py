"""Run every benchmark script in tests/bench/ (bench_*.py) and print its figures.

Benchmarks print numbers; they never assert on wall time.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print("No benchmarks found (tests/bench/bench_*.py).")
        return 0
    failed = 0
    for script in scripts:
        print(f"== {script.stem}")
        failed += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
