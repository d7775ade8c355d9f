"""What the Python tests share: a check that prints ok or FAIL and keeps
going, and the exit that fails the test when any check failed."""
import sys

failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def finish():
    if failures:
        sys.exit(f"{len(failures)} checks failed")
