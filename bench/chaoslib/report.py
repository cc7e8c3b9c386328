"""report.py - what the chaos run measured, as JSON and as a summary.

Per fault: the 5xx answers and the requests that got no answer (reset,
closed, timed out) from the fault's start until it was over (recovered,
or 30 s after its end when it never was) plus two seconds; the time from
its end to the first send acknowledged, and to the first delivery of a
message acknowledged after the end. Windows of faults close together may
overlap: an answer then counts in each (the totals count it once).

Then the run's verdicts, which must all be zero: acknowledged but lost,
delivered twice, out of order, stored twice, shown to a non-member,
delivered to a session after its logout's bound, unexpected 401s, bad
cursors, sanitizer reports; and memory before and after.
"""

import resource
import statistics
import time

RECOVERY_LIMIT = 30


def _r(x, nd=2):
    return None if x is None else round(x, nd)


def fault_rows(ledger, faults):
    t0 = ledger.t0
    rows = []
    for f in faults:
        end = f["end"]
        ack = ledger.first_ack_after(end)
        dl = ledger.first_delivery_of_ack_after(end)
        over = max(ack, dl) if ack is not None and dl is not None else end + RECOVERY_LIMIT
        five, none = ledger.answers_between(f["start"], over + 2)
        row = {"kind": f["kind"], "params": f["params"], "at_s": _r(f["start"] - t0, 1),
               "lasted_s": _r(end - f["start"]), "answers_5xx": five, "no_answer": none,
               "answers_ok": ledger.ok_between(f["start"], over + 2),
               "recover_send_s": _r(ack - end) if ack is not None else None,
               "recover_delivery_s": _r(dl - end) if dl is not None else None,
               "notes": f["notes"]}
        for k in ("pid", "slot", "how", "users", "logouts", "auth_cache_seconds", "filled_bytes"):
            if k in f:
                row[k] = f[k]
        for lo in f.get("logouts", ()):
            got = [t for t in ledger.got.get(lo["user"], {}).values() if t >= end]
            lo["first_delivery_after_login_s"] = _r(min(got) - end) if got else None
        rows.append(row)
    return rows


def by_kind(rows):
    out = {}
    for r in rows:
        k = out.setdefault(r["kind"], {"count": 0, "answers_5xx": 0, "no_answer": 0,
                                       "recover_send_s": [], "recover_delivery_s": [], "not_recovered": 0})
        k["count"] += 1
        k["answers_5xx"] += r["answers_5xx"]
        k["no_answer"] += r["no_answer"]
        for m in ("recover_send_s", "recover_delivery_s"):
            if r[m] is not None:
                k[m].append(r[m])
        if r["recover_send_s"] is None or r["recover_delivery_s"] is None:
            k["not_recovered"] += 1
    for k in out.values():
        for m in ("recover_send_s", "recover_delivery_s"):
            v = k.pop(m)
            k[m + "_median"] = _r(statistics.median(v)) if v else None
            k[m + "_max"] = _r(max(v)) if v else None
    return out


def build(args, info, dep, ledger, sched, mem_after, sanitizer, wall_s, drained):
    rows = fault_rows(ledger, sched.faults)
    lost = ledger.lost()
    twice = ledger.stored_twice()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    statuses = {}
    for _t, _w, st, _why in ledger.bad:
        statuses[str(st)] = statuses.get(str(st), 0) + 1
    five_total = sum(1 for b in ledger.bad if b[2] is not None and b[2] >= 500)
    none_total = sum(1 for b in ledger.bad if b[2] is None)
    expected = sum(len(ledger.members.get(a[1], ())) for a in ledger.acks.values())
    logouts = [f for f in sched.faults if f["kind"] == "logout"]
    R = dict(info)
    R.update({
        "wall_s": round(wall_s, 1),
        "sends": {"composed": ledger.sent, "acknowledged": ledger.acked_count("message"),
                  "reactions_acknowledged": ledger.acked_count("reaction"),
                  "reaction_retries_unchanged": ledger.reactions_unchanged, "retries": ledger.send_retries,
                  "rejected_4xx": len(ledger.rejected), "rejected_samples": ledger.rejected[:5],
                  "not_acknowledged": ledger.sent - ledger.acked_count("message")
                  - sum(1 for r in ledger.rejected if r[2] == "message")},
        "exactly_once": {
            "deliveries_expected": expected, "drained": drained,
            "acknowledged_but_lost": len(lost),
            # (user, event id, seconds from the start to its ack, its kind)
            "lost_samples": [(u, eid, round(ledger.acks[eid][0] - ledger.t0, 2), ledger.acks[eid][4])
                             for u, eid in lost[:20]],
            "delivered_twice": len(ledger.duplicates), "duplicate_samples": ledger.duplicates[:20],
            "out_of_order": len(ledger.out_of_order), "out_of_order_samples": ledger.out_of_order[:20],
            "stored_twice": len(twice), "stored_twice_samples": dict(list(twice.items())[:10]),
            "shown_to_non_members": len(ledger.leaks), "leak_samples": ledger.leaks[:20],
            "delivered_unacknowledged": len(ledger.delivered_unacknowledged()),
            "bad_cursors": len(ledger.bad_cursors), "bad_cursor_samples": ledger.bad_cursors[:10],
            "mentions_checked": ledger.mentions_seen, "mentions_wrong": ledger.mentions_wrong[:10]},
        "answers": {"ok": sum(ledger.ok_per_s.values()), "not_ok_by_status": statuses,
                    "answers_5xx": five_total, "no_answer": none_total,
                    "stale_keepalive_resends": info.get("stale_resends", 0),
                    "samples": [(round(t - ledger.t0, 2), w, st, why) for t, w, st, why in ledger.bad[:30]]},
        "unexpected_401": len(ledger.unexpected_401), "unexpected_401_samples": ledger.unexpected_401[:10],
        "logout": [dict(lo, auth_cache_seconds=f.get("auth_cache_seconds"),
                        delivered_after_bound=sum(1 for u, _ in ledger.after_logout if u == lo["user"]))
                   for f in logouts for lo in f.get("logouts", ())],
        "faults": rows,
        "faults_by_kind": by_kind(rows),
        "memory": {"before": sched.memory_before, "after": mem_after},
        "sanitizer_reports": len(sanitizer), "sanitizer_samples": sanitizer[:5],
        "harness": {"cpu_s": round(ru.ru_utime + ru.ru_stime, 1),
                    "cpu_pct": round(100 * (ru.ru_utime + ru.ru_stime) / max(wall_s, 1), 1),
                    "max_rss_kib": ru.ru_maxrss},
        "schedule_error": sched.error,
        "load_after": open("/proc/loadavg").read().split()[:3],
        "date_end": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    })
    mb, ma = sched.memory_before, mem_after
    if mb and ma:
        R["memory"]["growth_kib"] = {"responders": ma["responders_kib"] - mb["responders_kib"],
                                     "web_server": ma["web_server_kib"] - mb["web_server_kib"]}
    R["failures"] = failures(R)
    R["ok"] = not R["failures"]
    return R


def failures(R):
    e = R["exactly_once"]
    out = []
    for k in ("acknowledged_but_lost", "delivered_twice", "out_of_order", "stored_twice",
              "shown_to_non_members", "bad_cursors"):
        if e[k]:
            out.append("%s: %d" % (k, e[k]))
    if e["mentions_wrong"]:
        out.append("mentions_wrong: %d" % len(e["mentions_wrong"]))
    if R["unexpected_401"]:
        out.append("unexpected_401: %d" % R["unexpected_401"])
    for lo in R["logout"]:
        if lo["first_401_after_s"] is None:
            out.append("logout of %s: no 401" % lo["user"])
        if lo["delivered_after_bound"]:
            out.append("logout of %s: %d events delivered after auth_cache_seconds"
                       % (lo["user"], lo["delivered_after_bound"]))
    if R["sanitizer_reports"]:
        out.append("sanitizer_reports: %d" % R["sanitizer_reports"])
    if R["schedule_error"]:
        out.append("the fault schedule failed")
    if not R["sends"]["acknowledged"]:
        out.append("nothing was acknowledged")
    return out


def summary(R):
    e, s, a = R["exactly_once"], R["sends"], R["answers"]
    L = []
    L.append("chaos run %s: %s + %s store, %d users (%s), %d rooms, %d senders, %.1f min, %s build"
             % (R["date"], R["server"], R["store"], R["users"],
                ", ".join("%d %s" % (n, t) for t, n in R["transports"].items() if n),
                R["rooms"], R["senders"], R["wall_s"] / 60, "ASan" if R["asan"] else "plain"))
    ld = R.get("load_1min_during")
    if ld:
        L.append("machine: %s cores; 1-minute load before %s, during min %s / mean %s / max %s, after %s"
                 % (R["nproc"], R["load_before"][0], ld["min"], ld["mean"], ld["max"], R["load_after"][0]))
    for note in R["notes"]:
        L.append("  note: " + note)
    L.append("sends: %d messages composed, %d acknowledged (%d never), %d reactions and unreactions"
             " acknowledged; %d retries, %d refused 4xx"
             % (s["composed"], s["acknowledged"], s["not_acknowledged"], s["reactions_acknowledged"],
                s["retries"], s["rejected_4xx"]))
    L.append("deliveries expected %d; acknowledged but lost %d; delivered twice %d; out of order %d;"
             " stored twice %d; shown to non-members %d; delivered unacknowledged %d; drained: %s"
             % (e["deliveries_expected"], e["acknowledged_but_lost"], e["delivered_twice"], e["out_of_order"],
                e["stored_twice"], e["shown_to_non_members"], e["delivered_unacknowledged"], e["drained"]))
    L.append("answers: %d ok, 5xx %d, no answer %d, other %s; unexpected 401s %d; keep-alive resends %d"
             % (a["ok"], a["answers_5xx"], a["no_answer"], a["not_ok_by_status"], R["unexpected_401"],
                a["stale_keepalive_resends"]))
    for lo in R["logout"]:
        L.append("logout of %s (%s): first 401 after %s s (auth_cache_seconds %s, bound %s s); events after the bound: %d;"
                 " first event after logging in again: %s s"
                 % (lo["user"], lo["transport"], lo["first_401_after_s"], lo["auth_cache_seconds"], lo.get("bound_s"),
                    lo["delivered_after_bound"], lo.get("first_delivery_after_login_s")))
    L.append("")
    L.append("| fault | count | 5xx | no answer | recover send median / max (s) | recover delivery median / max (s) | not recovered |")
    L.append("|---|---|---|---|---|---|---|")
    for kind, k in R["faults_by_kind"].items():
        L.append("| %s | %d | %d | %d | %s / %s | %s / %s | %d |" % (
            kind, k["count"], k["answers_5xx"], k["no_answer"], k["recover_send_s_median"],
            k["recover_send_s_max"], k["recover_delivery_s_median"], k["recover_delivery_s_max"],
            k["not_recovered"]))
    L.append("")
    L.append("| at (s) | fault | lasted (s) | 5xx | no answer | ok | recover send (s) | recover delivery (s) | notes |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for r in R["faults"]:
        what = r["kind"] + ("".join(" %s=%s" % kv for kv in r["params"].items()))
        L.append("| %s | %s | %s | %d | %d | %d | %s | %s | %s |" % (
            r["at_s"], what, r["lasted_s"], r["answers_5xx"], r["no_answer"], r["answers_ok"],
            r["recover_send_s"], r["recover_delivery_s"], "; ".join(r["notes"])))
    mb, ma = R["memory"]["before"], R["memory"]["after"]
    if mb and ma:
        L.append("")
        L.append("memory (PSS MiB): responders %.1f (%d processes) -> %.1f (%d); web server %.1f -> %.1f"
                 % (mb["responders_kib"] / 1024, mb["responders"], ma["responders_kib"] / 1024, ma["responders"],
                    mb["web_server_kib"] / 1024, ma["web_server_kib"] / 1024))
    L.append("sanitizer reports: %d; harness CPU %.1f s (%.1f %% of a core)"
             % (R["sanitizer_reports"], R["harness"]["cpu_s"], R["harness"]["cpu_pct"]))
    L.append("verdict: %s" % ("OK" if R["ok"] else "FAILED: " + "; ".join(R["failures"])))
    return "\n".join(L)
