"""Run the integration suite (test_*.py here) and write the counts.

Usage: python3 run.py [--counts FILE] [-k PATTERN] [--list]
Prints one line per test (like unittest -v) and, at the end, the summary
line "N passed, N failed[, N skipped]". With --counts, also writes that as
JSON {"passed": N, "failed": N, "skipped": N} for tests/run-all.sh.
Exit status 0 only if nothing failed. A test with failing subtests counts
once as failed.
"""

import argparse
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class CountingResult(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.failed_ids = set()
        self.passed_ids = set()
        self.skipped_ids = set()

    def addSuccess(self, test):
        super().addSuccess(test)
        if test.id() not in self.failed_ids:
            self.passed_ids.add(test.id())

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test)

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test)

    def _fail(self, test):
        # Errors in class-level setup come with a placeholder "test".
        self.failed_ids.add(test.id())
        self.passed_ids.discard(test.id())

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._fail(test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.skipped_ids.add(test.id())

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.passed_ids.add(test.id())

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._fail(test)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts")
    ap.add_argument("-k", action="append", default=[], help="only tests matching")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    if args.k:
        loader.testNamePatterns = ["*%s*" % k for k in args.k]
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    if args.list:
        def walk(s):
            for t in s:
                if isinstance(t, unittest.TestSuite):
                    yield from walk(t)
                else:
                    yield t
        for t in walk(suite):
            print(t.id())
        return 0
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=CountingResult)
    start = time.monotonic()
    result = runner.run(suite)
    # Import or loading errors show up as failed "tests" too.
    passed = len(result.passed_ids - result.failed_ids)
    failed = len(result.failed_ids)
    skipped = len(result.skipped_ids - result.failed_ids - result.passed_ids)
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print("integration: %s in %.0fs" % (line, time.monotonic() - start))
    if args.counts:
        with open(args.counts, "w") as f:
            json.dump({"passed": passed, "failed": failed, "skipped": skipped}, f)
    return 0 if failed == 0 and result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
