"""TAP output for the Python tests: ok(), eq(), and a summary at exit."""

import sys
import traceback

_n = 0
_failed = 0


def ok(cond, name, diag=None):
    global _n, _failed
    _n += 1
    if not cond:
        _failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (_n, name), flush=True)
    if not cond and diag is not None:
        for line in str(diag).splitlines():
            print("#   " + line, flush=True)
    return cond


def eq(got, want, name):
    return ok(got == want, name, "got:  %r\nwant: %r" % (got, want))


def skip(name, why):
    """A test that cannot run here, reported loudly as a TAP skip."""
    global _n
    _n += 1
    print("ok %d - %s # SKIP %s" % (_n, name, why), flush=True)


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


def done():
    print("1..%d" % _n, flush=True)
    sys.exit(1 if _failed else 0)


def run(main):
    """Runs main(); an exception is one failed test, not a silent stop."""
    try:
        main()
    except Exception:
        ok(False, "test script raised", traceback.format_exc())
    done()
