#!/usr/bin/env python3
"""torch.matmul TFLOP/s on the shapes and dtypes flopwall_gpu_bench measures,
so device-check.sh can put flopwall's cuBLASLt GEMMs next to PyTorch's.

    python3 tests/gpu/torch_matmul.py > torch.json
"""
import json
import sys

import torch

SHAPES = [
    ("square 8192", 8192, 8192, 8192),
    ("llama2-7b qkv_proj, 16K tokens", 16384, 12288, 4096),
    ("llama2-7b mlp_down, 16K tokens", 16384, 4096, 11008),
]
WARMUP, REPS = 5, 20


def timed(fn):
    for _ in range(WARMUP):
        fn()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(REPS):
        fn()
    stop.record()
    torch.cuda.synchronize()
    return start.elapsed_time(stop) / 1e3 / REPS


def run(m, n, k, dtype):
    dev = "cuda"
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
    if dtype == "fp8":
        a = (torch.rand(m, k, device=dev) - 0.5).to(torch.float8_e4m3fn)
        w = (torch.rand(n, k, device=dev) - 0.5).to(torch.float8_e4m3fn)  # [out, in], as flopwall stores it
        one = torch.ones((), device=dev)
        return timed(lambda: torch._scaled_mm(a, w.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16))
    t = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[dtype]
    a = (torch.rand(m, k, device=dev) - 0.5).to(t)
    w = (torch.rand(n, k, device=dev) - 0.5).to(t)
    return timed(lambda: torch.matmul(a, w.t()))


def main():
    out = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "gemm": []}
    for what, m, n, k in SHAPES:
        for dtype in ("fp32", "tf32", "fp16", "bf16", "fp8"):
            try:
                t = run(m, n, k, dtype)
                out["gemm"].append({"shape": what, "m": m, "n": n, "k": k, "dtype": dtype, "time_s": t,
                                    "tflops": 2.0 * m * n * k / t / 1e12})
            except Exception as e:  # an unsupported dtype on this torch build is a figure we lack, not a failure
                out["gemm"].append({"shape": what, "m": m, "n": n, "k": k, "dtype": dtype, "error": str(e)})
            print(f"torch {what:<34} {dtype:>5}: {out['gemm'][-1].get('tflops', float('nan')):8.1f} TFLOP/s",
                  file=sys.stderr)
    json.dump(out, sys.stdout, indent=2)


if __name__ == "__main__":
    main()
