#!/usr/bin/env python3
"""Read a flopwall trace with h5py and pandas: the example of docs/trace-format.md.

    python3 tests/python/read_trace.py results/run.h5
"""
import sys

import h5py
import pandas as pd


def load_events(path):
    with h5py.File(path, "r") as f:
        if f.attrs.get("schema") not in (b"flopwall-trace", "flopwall-trace"):
            sys.exit(f"{path}: not a flopwall trace")
        if int(f.attrs["complete"]) != 1:
            sys.exit(f"{path}: incomplete trace")
        ops = pd.DataFrame(f["ops"][:])
        for col in ("name", "kind", "group"):
            ops[col] = ops[col].str.decode("utf-8")
        frames = []
        for name, group in f["ranks"].items():
            events = pd.DataFrame(group["events"][:])
            events["rank"] = int(name)
            frames.append(events)
        world_size = int(f.attrs["world_size"])
    events = pd.concat(frames, ignore_index=True).merge(
        ops.rename(columns={"id": "op"}), on="op", how="left"
    )
    events["seconds"] = (events["t_end_ns"] - events["t_start_ns"]) * 1e-9
    return events, world_size


def main():
    events, world_size = load_events(sys.argv[1])
    assert events["rank"].nunique() == world_size, "every rank has events"

    per_op = events.groupby("name", sort=False).agg(
        count=("seconds", "size"), mean_s=("seconds", "mean"), flops=("flops", "sum")
    )
    per_op["gflops_per_s"] = per_op["flops"] / events.groupby("name", sort=False)["seconds"].sum() / 1e9
    print(per_op.to_string())

    # An iteration takes as long as its slowest rank.
    spans = events.groupby(["iter", "rank"]).agg(start=("t_start_ns", "min"), end=("t_end_ns", "max"))
    step_s = ((spans["end"] - spans["start"]).groupby("iter").max()) * 1e-9
    flops_per_iter = events["flops"].sum() / events["iter"].nunique()
    print(f"step time p50 {step_s.median():.6f} s, model FLOPs per iteration {flops_per_iter:.0f}")
    print(f"TFLOP/s per rank {flops_per_iter / (step_s.median() * world_size) / 1e12:.6f}")


if __name__ == "__main__":
    main()
