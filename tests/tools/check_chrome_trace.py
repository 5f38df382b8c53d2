#!/usr/bin/env python3
"""Checks a `flopwall export --format chrome` file strictly, as a consumer reads it.

    check_chrome_trace.py EXPORT.json TRACE.h5 [--iters A:B] [--point K]

Perfetto's trace processor cannot run offline here (its Python package
downloads the trace_processor_shell binary on first use), so this checker
holds the export to what Perfetto and chrome://tracing need, and to the trace
read independently with h5py (docs/trace-format.md):

1. The Trace Event Format's fields per phase: X (name, cat, ph, ts, dur >= 0,
   pid, tid, args), M (process_name / thread_name with args.name,
   process_sort_index / thread_sort_index with args.sort_index), i (s),
   s/t/f (id, cat, name, ts, pid, tid; one s and one f per id, f with
   "bp":"e"); displayTimeUnit; otherData. No time before 0 (Perfetto drops
   such events).
2. Nesting per (pid, tid): each complete event, in file order, nests in or
   follows the slices still open on its thread; ts never goes back.
3. Every X event against the trace: rank R is pid R + 1 (pid 0 is special
   to Perfetto); per rank, exactly the rows of the selected iterations, each
   with ts = t_start_ns + otherData.ts_offset_ns, dur = t_end_ns - t_start_ns
   (exact: µs with three decimals), name, kind, iter, op, layer, flops,
   bytes_mem, bytes_comm; each rank's process named "rank R (hostname)"
   and sorted by rank; every thread named.
4. Flows: one per collective instance (iter, op, group id) of two or more
   ranks, its members the instance's ranks in rank order (s, t..., f), each
   step inside its own slice, and no step earlier than the start beyond the
   two ranks' clock error (a viewer drops such steps); nonblocking starts
   (an op N with an N_wait) are exempt from that last check.
5. Clock syncs: one process instant per clock_sync row in the selection, at
   the start of the rank's first event of that iteration.

Exit 0 when all hold; 1 with each fault on its own line.
"""
import argparse
import json
import sys
from collections import defaultdict
from decimal import Decimal

import h5py

faults = []
MAX_FAULTS = 200


def fault(message):
    faults.append(message)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def to_ns(value, what):
    """µs as JSON writes them, exactly, to integer ns; None (and a fault) otherwise."""
    if not (is_int(value) or isinstance(value, Decimal)):
        fault(f"{what}: {value!r} is not a number")
        return None
    v = Decimal(value) * 1000
    if v != v.to_integral_value():
        fault(f"{what}: {value} us is not a whole number of ns")
        return None
    return int(v)


def parse_iters(text):
    if text is None:
        return 0, None
    a, sep, b = text.partition(":")
    if not sep:
        sys.exit(f"--iters {text!r}: give A:B")
    return int(a) if a else 0, int(b) if b else None


def decode(b):
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)


def read_trace(path, point, first, end):
    """The trace as the checks need it: ops, and per rank its info and selected rows."""
    with h5py.File(path, "r") as f:
        body = f[f"points/{point:05d}"] if point is not None else f
        ops = []
        table = body["ops"][:]
        names = table.dtype.names
        for row in table:
            ops.append({
                "name": decode(row["name"]), "kind": decode(row["kind"]), "layer": int(row["layer"]),
                "group": decode(row["group"]), "step": int(row["step"]) if "step" in names else -1,
            })
        ranks = []
        world = int(f.attrs["world_size"])
        for r in range(world):
            g = body[f"ranks/{r:05d}"]
            ev = g["events"][:]
            keep = ev["iter"] >= first
            if end is not None:
                keep &= ev["iter"] < end
            groups = {k[len("group_"):]: int(v) for k, v in g.attrs.items() if k.startswith("group_")}
            clock = g["clock_sync"][:] if "clock_sync" in g else []
            ranks.append({
                "host": decode(g.attrs["hostname"]), "groups": groups, "rows": ev[keep],
                "clock_error_ns": int(g.attrs["clock_error_ns"]),
                "clock": [(int(c["iter"]), int(c["offset_ns"]), int(c["error_ns"])) for c in clock],
            })
    return ops, ranks


NAME_META = {"process_name", "thread_name", "process_labels"}
SORT_META = {"process_sort_index", "thread_sort_index"}
X_ARGS = ("iter", "flops", "bytes_mem", "bytes_comm", "layer", "op")


def check_fields(events):
    """Fields per phase; returns the events by phase, with ts and dur as ns."""
    xs, metas, instants, flows = [], [], [], []
    before_zero = 0
    for k, e in enumerate(events):
        where = f"event {k}"
        if not isinstance(e, dict):
            fault(f"{where} is not an object")
            continue
        ph = e.get("ph")
        ts = None
        if not isinstance(e.get("name"), str) or not e.get("name"):
            fault(f"{where} (ph {ph!r}) has no name")
        if ph in ("X", "i", "s", "t", "f", "M") and not is_int(e.get("pid")):
            fault(f"{where} (ph {ph}) has no integer pid")
            continue
        if ph == "X":
            for key in ("tid",):
                if not is_int(e.get(key)):
                    fault(f"{where} (X) has no integer {key}")
            if not isinstance(e.get("cat"), str):
                fault(f"{where} (X) has no cat")
            ts, dur = to_ns(e.get("ts"), f"{where} ts"), to_ns(e.get("dur"), f"{where} dur")
            if dur is not None and dur < 0:
                fault(f"{where} has dur {e['dur']} < 0")
            args = e.get("args")
            if not isinstance(args, dict) or not all(is_int(args.get(a)) for a in X_ARGS):
                fault(f"{where} (X) args lack an integer of {X_ARGS}: {args!r}")
                continue
            if ts is not None and dur is not None:
                xs.append((k, e, ts, dur))
        elif ph == "M":
            args = e.get("args")
            name = e.get("name")
            if name in NAME_META:
                if not isinstance(args, dict) or not isinstance(args.get("name"), str):
                    fault(f"{where} ({name}) has no args.name")
                    continue
            elif name in SORT_META:
                if not isinstance(args, dict) or not is_int(args.get("sort_index")):
                    fault(f"{where} ({name}) has no integer args.sort_index")
                    continue
            else:
                fault(f"{where} is metadata named {name!r}; known: {sorted(NAME_META | SORT_META)}")
                continue
            if name.startswith("thread_") and not is_int(e.get("tid")):
                fault(f"{where} ({name}) has no integer tid")
                continue
            metas.append(e)
        elif ph == "i":
            if e.get("s") not in ("g", "p", "t"):
                fault(f"{where} (i) has scope {e.get('s')!r}; valid: g, p, t")
            ts = to_ns(e.get("ts"), f"{where} ts")
            if ts is not None:
                instants.append((k, e, ts))
        elif ph in ("s", "t", "f"):
            if not isinstance(e.get("id"), (str, int)) or isinstance(e.get("id"), bool):
                fault(f"{where} (flow {ph}) has no id")
                continue
            if not is_int(e.get("tid")) or not isinstance(e.get("cat"), str):
                fault(f"{where} (flow {ph}) has no integer tid or no cat")
                continue
            if ph == "f" and e.get("bp") != "e":
                fault(f"{where} (flow f) lacks \"bp\":\"e\" (it would bind to the next slice)")
            ts = to_ns(e.get("ts"), f"{where} ts")
            if ts is not None:
                flows.append((k, e, ts))
        else:
            fault(f"{where} has phase {ph!r}; an export writes X, M, i, s, t, f")
            continue
        if ts is not None and ts < 0:
            before_zero += 1
            if before_zero <= 3:
                fault(f"{where} (ph {ph}) has ts {e['ts']} < 0: Perfetto drops it")
    if before_zero > 3:
        fault(f"... {before_zero} events in all have a ts below 0")
    return xs, metas, instants, flows


def check_nesting(xs):
    """Per (pid, tid) in file order: ts never goes back; each slice nests or follows."""
    stacks = defaultdict(list)
    last = {}
    for k, e, ts, dur in xs:
        key = (e["pid"], e["tid"])
        if key in last and ts < last[key]:
            fault(f"event {k} ({e['name']}) starts at {ts} ns before the previous slice of pid {key[0]} tid {key[1]} ({last[key]} ns)")
        last[key] = ts
        stack = stacks[key]
        while stack and stack[-1][0] <= ts:
            stack.pop()
        if stack and ts + dur > stack[-1][0]:
            fault(f"event {k} ({e['name']}, {ts} .. {ts + dur} ns) overlaps slice {stack[-1][1]} (ends {stack[-1][0]} ns) "
                  f"on pid {key[0]} tid {key[1]} without nesting")
        stack.append((ts + dur, k))


def check_against_trace(xs, metas, instants, ops, ranks, offset):
    world = len(ranks)
    by_rank = defaultdict(dict)
    for k, e, ts, dur in xs:
        a = e["args"]
        key = (a["iter"], a["op"])
        rank = e["pid"] - 1
        if not 0 <= rank < world:
            fault(f"event {k} has pid {e['pid']}; ranks 0 .. {world - 1} are pids 1 .. {world}")
            continue
        if key in by_rank[rank]:
            fault(f"event {k}: rank {rank} iteration {key[0]} op {key[1]} is written twice")
        by_rank[rank][key] = (k, e, ts, dur)
    for r, info in enumerate(ranks):
        rows = info["rows"]
        got = by_rank.get(r, {})
        if len(got) != len(rows):
            fault(f"rank {r}: {len(got)} complete events; the trace has {len(rows)} rows in the selected iterations")
        for row in rows:
            key = (int(row["iter"]), int(row["op"]))
            if key not in got:
                fault(f"rank {r}: iteration {key[0]} op {key[1]} is missing")
                continue
            k, e, ts, dur = got[key]
            op = ops[key[1]]
            want = {"ts": int(row["t_start_ns"]) + offset, "dur": int(row["t_end_ns"]) - int(row["t_start_ns"]),
                    "name": op["name"], "cat": op["kind"], "flops": int(row["flops"]),
                    "bytes_mem": int(row["bytes_mem"]), "bytes_comm": int(row["bytes_comm"]), "layer": op["layer"]}
            have = {"ts": ts, "dur": dur, "name": e["name"], "cat": e["cat"], "flops": e["args"]["flops"],
                    "bytes_mem": e["args"]["bytes_mem"], "bytes_comm": e["args"]["bytes_comm"],
                    "layer": e["args"]["layer"]}
            for field, value in want.items():
                if have[field] != value:
                    fault(f"event {k} (rank {r} iteration {key[0]} op {key[1]}): {field} {have[field]!r}, trace {value!r}")
    # Names: each rank's process carries its host; every thread with slices is named.
    processes = {e["pid"] - 1: e["args"]["name"] for e in metas if e["name"] == "process_name"}
    places = {e["pid"] - 1: e["args"]["sort_index"] for e in metas if e["name"] == "process_sort_index"}
    for r, info in enumerate(ranks):
        want = f"rank {r} ({info['host']})"
        if processes.get(r) != want:
            fault(f"rank {r} (pid {r + 1}): process_name {processes.get(r)!r}, want {want!r}")
        if places.get(r) != r:
            fault(f"rank {r} (pid {r + 1}): process_sort_index {places.get(r)!r}, want {r}")
    threads = {(e["pid"], e["tid"]) for e in metas if e["name"] == "thread_name"}
    for key in sorted({(e["pid"], e["tid"]) for _, e, _, _ in xs} - threads):
        fault(f"pid {key[0]} tid {key[1]} has slices but no thread_name")
    # Clock syncs: at the start of the rank's first row of that iteration.
    marks = defaultdict(list)
    for k, e, ts in instants:
        if e.get("name") == "clock sync":
            a = e.get("args", {})
            marks[e["pid"] - 1].append((a.get("iter"), a.get("offset_ns"), a.get("error_ns"), ts, e.get("s")))
    for r, info in enumerate(ranks):
        first_start = {}
        for row in info["rows"]:
            first_start.setdefault(int(row["iter"]), int(row["t_start_ns"]))
        want = sorted((it, off, err, first_start[it] + offset, "p") for it, off, err in info["clock"] if it in first_start)
        if sorted(marks.get(r, [])) != want:
            fault(f"rank {r}: clock sync instants {sorted(marks.get(r, []))[:4]}..., want {want[:4]}... "
                  f"({len(marks.get(r, []))} written, {len(want)} expected)")


def check_flows(xs, flows, ops, ranks):
    # Each flow event belongs to the slice written just before it on its thread.
    last_slice = {}
    order = sorted([(k, "X", e, ts, dur) for k, e, ts, dur in xs] + [(k, "F", e, ts, None) for k, e, ts in flows],
                   key=lambda t: t[0])
    by_id = defaultdict(list)
    for k, what, e, ts, dur in order:
        key = (e["pid"], e["tid"])
        if what == "X":
            last_slice[key] = (e, ts, dur)
            continue
        owner = last_slice.get(key)
        if owner is None or owner[0]["name"] != e["name"] or not owner[1] <= ts <= owner[1] + owner[2]:
            fault(f"event {k} (flow {e['ph']} {e['id']}) at {ts} ns lies in no slice '{e['name']}' of pid {key[0]} tid {key[1]}")
            continue
        by_id[e["id"]].append((k, e, ts, owner[0]["args"]))
    starts = {op["name"] for op in ops if any(o["name"] == op["name"] + "_wait" and o["layer"] == op["layer"]
                                               and o["group"] == op["group"] for o in ops)}
    seen = {}
    for fid, steps in by_id.items():
        phases = [e["ph"] for _, e, _, _ in steps]
        pids = [e["pid"] - 1 for _, e, _, _ in steps]  # ranks
        keys = {(a["iter"], a["op"]) for _, _, _, a in steps}
        if phases[0] != "s" or phases[-1] != "f" or any(p != "t" for p in phases[1:-1]) or len(phases) < 2:
            fault(f"flow {fid}: phases {''.join(phases)}; want s, t..., f")
        if pids != sorted(pids) or len(set(pids)) != len(pids):
            fault(f"flow {fid}: ranks {pids} are not in rank order, each once")
        if len({(e["cat"], e["name"]) for _, e, _, _ in steps}) != 1 or len(keys) != 1:
            fault(f"flow {fid}: its steps differ in cat, name, iteration or op")
            continue
        key = keys.pop()
        inst = (key[0], key[1], tuple(pids))
        if inst in seen:
            fault(f"flow {fid}: instance iteration {key[0]} op {key[1]} ranks {pids} is linked twice")
        seen[inst] = fid
        if ops[key[1]]["name"] not in starts:
            s_ts, s_rank = steps[0][2], steps[0][1]["pid"] - 1
            for k, e, ts, _ in steps[1:]:
                rank = e["pid"] - 1
                if not (0 <= s_rank < len(ranks) and 0 <= rank < len(ranks)):
                    continue  # a pid outside the ranks: faulted with its slice
                slack = ranks[s_rank]["clock_error_ns"] + ranks[rank]["clock_error_ns"]
                slack += max((c[2] for c in ranks[s_rank]["clock"]), default=0)
                slack += max((c[2] for c in ranks[rank]["clock"]), default=0)
                if ts + slack < s_ts:
                    fault(f"flow {fid}: its {e['ph']} on rank {rank} at {ts} ns is before its start at {s_ts} ns "
                          f"(beyond the clock error {slack} ns): a viewer drops it")
    # The instances the trace holds: comm ops with a group, members by group id.
    expected = set()
    for op_id, op in enumerate(ops):
        if op["kind"] != "comm" or op["group"] in ("", "none"):
            continue
        members = defaultdict(list)
        for r, info in enumerate(ranks):
            members[info["groups"].get(op["group"], None)].append(r)
        for ids in members.values():
            if len(ids) < 2:
                continue
            iters = None
            for r in ids:
                rows = ranks[r]["rows"]
                mine = {int(i) for i in rows["iter"][rows["op"] == op_id]}
                iters = mine if iters is None else iters & mine
            for it in iters or ():
                expected.add((it, op_id, tuple(ids)))
    for inst in sorted(expected - set(seen)):
        fault(f"collective instance iteration {inst[0]} op {inst[1]} ({ops[inst[1]]['name']}) ranks {list(inst[2])} has no flow")
    for inst in sorted(set(seen) - expected):
        fault(f"flow {seen[inst]} links iteration {inst[0]} op {inst[1]} ranks {list(inst[2])}, not a collective instance of the trace")
    return len(seen)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("export")
    ap.add_argument("trace")
    ap.add_argument("--iters")
    ap.add_argument("--point", type=int)
    args = ap.parse_args()
    first, end = parse_iters(args.iters)

    def no_constants(name):
        raise ValueError(f"{name} is not JSON")

    try:
        with open(args.export, encoding="utf-8") as fh:
            doc = json.load(fh, parse_float=Decimal, parse_constant=no_constants)
    except (OSError, ValueError) as e:
        print(f"{args.export}: not a JSON document: {e}")
        return 1
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        print(f"{args.export}: no traceEvents array")
        return 1
    if doc.get("displayTimeUnit") not in ("ms", "ns"):
        fault(f"displayTimeUnit {doc.get('displayTimeUnit')!r}; valid: ms, ns")
    other = doc.get("otherData")
    ops, ranks = read_trace(args.trace, args.point, first, end)
    if not isinstance(other, dict) or other.get("world_size") != len(ranks):
        fault(f"otherData {other!r:.200} lacks world_size {len(ranks)}")
    offset = other.get("ts_offset_ns", 0) if isinstance(other, dict) else 0
    if not is_int(offset) or offset < 0:
        fault(f"otherData ts_offset_ns {offset!r} is not an integer >= 0")
        offset = 0

    xs, metas, instants, flows = check_fields(doc["traceEvents"])
    check_nesting(xs)
    check_against_trace(xs, metas, instants, ops, ranks, offset)
    linked = check_flows(xs, flows, ops, ranks)
    if isinstance(other, dict) and other.get("events") != len(xs):
        fault(f"otherData says {other.get('events')} events; the file has {len(xs)}")

    for line in faults[:MAX_FAULTS]:
        print(line)
    if len(faults) > MAX_FAULTS:
        print(f"... and {len(faults) - MAX_FAULTS} more faults")
    if faults:
        return 1
    print(f"ok: {len(xs)} events on {len(ranks)} ranks, {linked} collective instances linked, "
          f"{len(instants)} clock syncs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
