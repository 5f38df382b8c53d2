#!/usr/bin/env python3
"""Turns device-check.sh's JSON figures into summary.md, each next to its target.

    python3 tests/gpu/summarize.py OUT_DIR > OUT_DIR/summary.md
"""
import glob
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"_{os.path.basename(path)}: not available ({e})_\n")
        return None


def main(out):
    print("# flopwall device check\n")
    bench = load(os.path.join(out, "flopwall-gpu-bench.json"))
    torch = load(os.path.join(out, "torch-matmul.json"))
    if bench:
        print(f"Device: {bench['device']}\n")

    print("## GEMM: flopwall (cuBLASLt) vs torch.matmul — target >= 97%\n")
    print("| shape | dtype | flopwall TFLOP/s | torch TFLOP/s | ratio |")
    print("|---|---|---|---|---|")
    theirs = {(g["shape"], g["dtype"]): g for g in (torch or {}).get("gemm", [])}
    for g in (bench or {}).get("gemm", []):
        t = theirs.get((g["shape"], g["dtype"]), {})
        ratio = f"{g['tflops'] / t['tflops']:.1%}" if t.get("tflops") else t.get("error", "n/a")[:40]
        torch_tf = f"{t['tflops']:.1f}" if t.get("tflops") else "n/a"
        print(f"| {g['shape']} | {g['dtype']} | {g['tflops']:.1f} | {torch_tf} | {ratio} |")

    print("\n## Bandwidth-bound kernels — target >= 80% of the measured copy bandwidth\n")
    rows = (bench or {}).get("bandwidth", [])
    copy = next((r["gbytes_per_s"] for r in rows if r["kernel"].startswith("device-to-device")), None)
    print("| kernel | GB/s | of measured copy | of 4.8 TB/s |")
    print("|---|---|---|---|")
    for r in rows:
        of_copy = f"{r['gbytes_per_s'] / copy:.1%}" if copy else "n/a"
        print(f"| {r['kernel']} | {r['gbytes_per_s']:.0f} | {of_copy} | {r['fraction_of_4_8_tbs']:.1%} |")

    ev = (bench or {}).get("event_overhead")
    if ev:
        print(f"\n## Recording overhead — target < 1 us per op\n\nCUDA events add "
              f"{ev['added_per_op_s'] * 1e6:.3f} us per op ({ev['ops']} ops).\n")

    tests = load(os.path.join(out, "gpu-tests.json"))
    if tests:
        # A test skips itself when no device is visible; the totals do not count those.
        skipped = sum(t.get("result") == "SKIPPED" for s in tests.get("testsuites", []) for t in s.get("testsuite", []))
        print(f"## GPU tests\n\n{tests.get('tests', 0)} tests, {tests.get('failures', 0)} failures, "
              f"{skipped} skipped, {tests.get('disabled', 0)} disabled.\n")

    print("## flopwall run, one rank\n")
    print("| run | model FLOPs/iter | step p50 | step p99 | TFLOP/s per rank |")
    print("|---|---|---|---|---|")
    for path in sorted(glob.glob(os.path.join(out, "runs", "run-*.json"))):
        r = load(path)
        if r:
            s = r["step_time_s"]
            print(f"| {os.path.basename(path)[:-5]} | {r['model_flops_per_iter']:.3e} | {s['p50'] * 1e3:.3f} ms | "
                  f"{s['p99'] * 1e3:.3f} ms | {r['tflops_per_rank']:.1f} |")

    # The machine as the traces describe it (NVML, the CUDA runtime's SM
    # count, NCCL's topology dump) and the achieved rate against the
    # theoretical peak of the run's dtype.
    print("\n## Machine description and peaks\n")
    for path in sorted(glob.glob(os.path.join(out, "runs", "run-*.json"))):
        r = load(path)
        if not r or "machine" not in r:
            continue
        classes = r["machine"].get("node_classes") or [{}]
        gpus = classes[0].get("inventory", {}).get("gpus", [])
        gpu = gpus[0] if gpus else {}
        topo = "yes" if r.get("meta", {}).get("nccl_topology_xml") else "no"
        print(f"- {os.path.basename(path)[:-5]}: GPU {gpu.get('name', 'none')} sm_{gpu.get('cc_major')}{gpu.get('cc_minor')}, "
              f"{gpu.get('sm_count')} SMs, SM {gpu.get('sm_clock_mhz')}/{gpu.get('sm_clock_max_mhz')} MHz, "
              f"ECC {gpu.get('ecc_enabled')}, persistence {gpu.get('persistence_mode')}, "
              f"PCIe gen {gpu.get('pcie_gen')}/{gpu.get('pcie_gen_max')} x{gpu.get('pcie_width')}/{gpu.get('pcie_width_max')}; "
              f"NCCL topology stored: {topo}")
        for p in r["machine"].get("peaks", []):
            if p.get("achieved_flops_per_s"):
                print(f"  - {p['dtype']}: achieved {p['achieved_flops_per_s'] / 1e12:.1f} TFLOP/s of "
                      f"{p['theoretical_flops_per_s'] / 1e12:.1f} theoretical ({p['pct_of_theoretical']:.1f}%)")
    doctor = load(os.path.join(out, "runs", "doctor.json"))
    if doctor:
        print(f"\n## flopwall doctor (exit {doctor.get('exit_code')})\n")
        for f in doctor.get("findings", []):
            print(f"- {f['severity']} {f['check']}: {f['where']}: {f['message']}")
        if not doctor.get("findings"):
            print("- no findings")


if __name__ == "__main__":
    main(sys.argv[1])
