"""A fixed pure-Python workload, so benchmark numbers from different machines can be compared.

    .venv/bin/python -m benchmarks.cpu_calibration

Prints the CPU seconds of 10 million integer additions in a Python loop (best of 3) and
the load average.  Request times in `docs/performance.md` are mostly Python CPU (FAB,
Jinja, SQLAlchemy), so they scale roughly with this number.
"""
import os
import time


def loop_seconds(n: int = 10_000_000) -> float:
    start = time.process_time()
    total = 0
    for i in range(n):
        total += i
    return time.process_time() - start


def main() -> None:
    best = min(loop_seconds() for _ in range(3))
    print(f"10M-addition loop: {best:.2f} s CPU (best of 3); load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
