"""The shape of src/ (issue 16): no header includes itself through others,
no two modules call each other (directly or round a longer loop), and no
file is over 1,000 lines. Calls are read from the built objects (nm: a
module calls another when it uses a symbol the other defines), so a call
through a function pointer a caller handed down (a callback) is none: that
is how a lower module answers a higher one."""

import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import BUILDDIR, SRCDIR  # noqa: E402
from tap import ok, eq, run  # noqa: E402

MAX_LINES = 1000


def loops(graph):
    """The strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, found, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(frozenset(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return set(found)


def includes():
    """Header -> headers it includes, for every src/*.h."""
    graph = {}
    for path in glob.glob(os.path.join(SRCDIR, "src", "*.h")):
        with open(path, errors="replace") as f:
            graph[os.path.basename(path)] = set(re.findall(r'^#include "([^"]+)"', f.read(), re.M))
    return graph


def calls():
    """Module -> modules whose symbols it uses, from the objects' symbols."""
    objs = glob.glob(os.path.join(BUILDDIR, "src", "*.o"))
    defined, used = {}, {}
    for obj in objs:
        mod = os.path.basename(obj)[:-2].split("-", 1)[-1]   # automake may prefix the target
        out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDBRC":
                defined[f[2]] = mod
            elif len(f) == 2 and f[0] == "U":
                used.setdefault(mod, set()).add(f[1])
    graph = {}
    for mod, syms in used.items():
        graph[mod] = {defined[s] for s in syms if s in defined and defined[s] != mod}
    return objs, graph


def main():
    hdrs = includes()
    ok(len(hdrs) > 30, "the headers of src/ are read (%d)" % len(hdrs))
    eq(sorted(map(sorted, loops(hdrs))), [], "no header includes itself through others")

    objs, graph = calls()
    ok(len(objs) > 30 and any(graph.values()),
       "the objects of src/ are read (%d; run after make)" % len(objs))
    eq(sorted(map(sorted, loops(graph))), [], "no modules call each other, directly or round a loop")

    long_files = []
    for path in sorted(glob.glob(os.path.join(SRCDIR, "src", "*.[ch]"))):
        with open(path, errors="replace") as f:
            n = sum(1 for _ in f)
        if n > MAX_LINES:
            long_files.append((os.path.basename(path), n))
    eq(long_files, [], "no file in src/ is over %d lines" % MAX_LINES)


run(main)
