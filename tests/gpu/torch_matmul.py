#!/usr/bin/env python3
"""torch.matmul TFLOP/s on the shapes and dtypes flopwall_gpu_bench measures,
so device-check.sh can put flopwall's cuBLASLt GEMMs next to PyTorch's.

    python3 tests/gpu/torch_matmul.py > torch.json

Like for like with bench/gpu_bench.cpp:
  - the same GEMM: C[m,n] = A[m,k] @ W[n,k]^T ("TN"), `a @ w.t()` with the
    weight stored [n,k] as flopwall stores it; fp8 through torch._scaled_mm
    with unit tensor-wise scales, bf16 output and use_fast_accum=False (flopwall
    does not set cuBLASLt fast accumulation); FLOPs = 2*m*n*k;
  - the same operand values (pattern(), the hash gpu_bench.cpp uploads);
  - the same timing: warm up until >= 0.2 s of GPU time has run (the first
    call not counted), then 5 back-to-back trials of equal batches, each >= 0.1 s
    between two CUDA events; `tflops` is the median trial's.
It also records which torch, CUDA and cuBLAS/cuBLASLt it ran with: torch
often bundles its own cuBLAS (the nvidia-cublas wheel), which may differ from
the toolkit's that flopwall links.
"""
import ctypes
import json
import math
import statistics
import sys
import time

import torch

SHAPES = [
    ("square 8192", 8192, 8192, 8192),
    ("llama2-7b qkv_proj, 16K tokens", 16384, 12288, 4096),
    ("llama2-7b mlp_down, 16K tokens", 16384, 4096, 11008),
]
DTYPES = ("fp32", "tf32", "fp16", "bf16", "fp8")
WARMUP_S, TRIALS, TRIAL_S = 0.2, 5, 0.1  # the same constants as gpu_bench.cpp
WEIGHT_OFFSET = 1 << 20  # the weight's pattern starts here, as in gpu_bench.cpp


def timed(fn):
    """Per-call seconds of fn: (median trial, all trials, calls per trial, warm-up GPU seconds)."""
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

    def chunk(calls):
        a.record()
        for _ in range(calls):
            fn()
        b.record()
        b.synchronize()
        return a.elapsed_time(b) / 1e3

    per_call = chunk(1)  # first call: handles, heuristics, lazy loading; not counted
    warm, n = 0.0, 1
    while warm < WARMUP_S:
        n = max(1, min(math.ceil(0.05 / max(per_call, 1e-7)), 2 * n))
        t = chunk(n)
        warm += t
        per_call = t / n
    calls = max(1, math.ceil(TRIAL_S / max(per_call, 1e-7)))
    marks = [torch.cuda.Event(enable_timing=True) for _ in range(TRIALS + 1)]
    marks[0].record()
    for i in range(TRIALS):
        for _ in range(calls):
            fn()
        marks[i + 1].record()
    marks[-1].synchronize()
    trials = [marks[i].elapsed_time(marks[i + 1]) / 1e3 / calls for i in range(TRIALS)]
    return statistics.median(trials), trials, calls, warm


_LUT = {}


def pattern(count, offset, dev):
    """Elements offset..offset+count-1 of gpu_bench.cpp's operand pattern, fp32,
    bit for bit: ((i*2654435761 mod 2^32) >> 8) mod 1000 / 1000 - 0.5 in fp32."""
    if dev not in _LUT:
        # fp32(k / 1000) - 0.5 rounded to fp32, as C++ computes it in float.
        q = torch.tensor([k / 1000 for k in range(1000)], dtype=torch.float32)
        _LUT[dev] = (q.double() - 0.5).float().to(dev)
    i = torch.arange(offset, offset + count, device=dev, dtype=torch.int64)
    h = (((i * 2654435761) & 0xFFFFFFFF) >> 8) % 1000
    del i
    return _LUT[dev][h]


def operands(m, n, k, t, dev):
    a = pattern(m * k, 0, dev).view(m, k).to(t)
    w = pattern(n * k, WEIGHT_OFFSET, dev).view(n, k).to(t)  # [out, in], as flopwall stores it
    return a, w


def run(m, n, k, dtype):
    dev = "cuda"
    # fp32 is IEEE fp32 (flopwall: CUBLAS_COMPUTE_32F); tf32 the tensor-core
    # fast path (CUBLAS_COMPUTE_32F_FAST_TF32). Reduced-precision reductions
    # for fp16/bf16 stay at torch's defaults (allowed), as flopwall does not
    # restrict cuBLASLt's reduction scheme either.
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
    if dtype == "fp8":
        a, w = operands(m, n, k, torch.float8_e4m3fn, dev)
        one = torch.ones((), device=dev, dtype=torch.float32)
        wt = w.t()  # column-major [k, n], the layout _scaled_mm wants for its second operand

        def fn():
            return torch._scaled_mm(a, wt, scale_a=one, scale_b=one, out_dtype=torch.bfloat16, use_fast_accum=False)
    else:
        t = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[dtype]
        a, w = operands(m, n, k, t, dev)
        wt = w.t()

        def fn():
            return torch.matmul(a, wt)
    torch.cuda.synchronize()
    return timed(fn)


def library_versions():
    """torch's own versions, and the cuBLAS/cuBLASLt files this process mapped (call after a matmul)."""
    v = {"torch": torch.__version__, "torch_cuda": torch.version.cuda,
         "torch_git": getattr(torch.version, "git_version", None)}
    for key, get in (("torch_compiled_cuda", lambda: torch._C._cuda_getCompiledVersion()),
                     ("preferred_blas_library", lambda: str(torch.backends.cuda.preferred_blas_library())),
                     ("cudnn", lambda: torch.backends.cudnn.version())):
        try:
            v[key] = get()
        except Exception as e:  # private or newer API: a missing figure, not a failure
            v[key] = f"unavailable ({type(e).__name__})"
    try:
        driver = ctypes.c_int()
        ctypes.CDLL("libcuda.so.1").cuDriverGetVersion(ctypes.byref(driver))
        v["cuda_driver"] = f"{driver.value // 1000}.{driver.value % 1000 // 10}"
    except Exception as e:
        v["cuda_driver"] = f"unavailable ({e})"
    mapped = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if "libcublas" in path and path not in mapped:
                    mapped.append(path)
    except OSError as e:
        v["cublas_mapped_error"] = str(e)
    v["cublas_libraries_mapped"] = mapped
    for path in mapped:
        name = path.rsplit("/", 1)[-1]
        try:
            lib = ctypes.CDLL(path)  # already loaded: the same handle
            if name.startswith("libcublasLt"):
                lib.cublasLtGetVersion.restype = ctypes.c_size_t
                lt = lib.cublasLtGetVersion()
                v["cublaslt"] = f"{lt // 10000}.{lt // 100 % 100}.{lt % 100}"  # as flopwall's cuda_probe.cpp
                v["cublaslt_raw"] = lt
                v["cublaslt_path"] = path
            elif name.startswith("libcublas."):
                parts = []
                for prop in (0, 1, 2):  # MAJOR_VERSION, MINOR_VERSION, PATCH_LEVEL
                    x = ctypes.c_int()
                    lib.cublasGetProperty(prop, ctypes.byref(x))
                    parts.append(str(x.value))
                v["cublas"] = ".".join(parts)
                v["cublas_path"] = path
        except Exception as e:
            v.setdefault("cublas_version_errors", []).append(f"{name}: {e}")
    try:
        from importlib import metadata
        wheels = {}
        for dist in metadata.distributions():
            dname = (dist.metadata["Name"] or "").lower()
            if dname.startswith("nvidia-cublas") or dname.startswith("nvidia-cuda-runtime"):
                wheels[dname] = dist.version
        v["nvidia_wheels"] = wheels
    except Exception as e:
        v["nvidia_wheels"] = f"unavailable ({e})"
    return v


def device_info():
    p = torch.cuda.get_device_properties(0)
    return {"name": p.name, "capability": f"{p.major}.{p.minor}", "sms": p.multi_processor_count,
            "memory_bytes": p.total_memory}


def main():
    started = time.monotonic()
    out = {"device": torch.cuda.get_device_name(0), "device_info": device_info(),
           "timing": {"warmup_gpu_s_min": WARMUP_S, "trials": TRIALS, "trial_gpu_s_min": TRIAL_S,
                      "statistic": "median trial"},
           "settings": {name: getattr(torch.backends.cuda.matmul, name, None)
                        for name in ("allow_fp16_reduced_precision_reduction",
                                     "allow_bf16_reduced_precision_reduction")},
           "gemm": []}
    for what, m, n, k in SHAPES:
        for dtype in DTYPES:
            row = {"shape": what, "m": m, "n": n, "k": k, "dtype": dtype,
                   "layout": "C[m,n] = A[m,k] * W[n,k]^T (TN)",
                   "op": "torch._scaled_mm" if dtype == "fp8" else "torch.matmul"}
            try:
                t, trials, calls, warm = run(m, n, k, dtype)
                flops = 2.0 * m * n * k
                row.update({"flops_per_call": flops, "time_s": t, "tflops": flops / t / 1e12,
                            "tflops_trials": [flops / x / 1e12 for x in trials], "calls_per_trial": calls,
                            "warmup_gpu_s": warm})
            except Exception as e:  # an unsupported dtype on this torch build is a figure we lack, not a failure
                row["error"] = f"{type(e).__name__}: {e}"
            out["gemm"].append(row)
            torch.cuda.empty_cache()
            print(f"torch {what:<34} {dtype:>5}: {row.get('tflops', float('nan')):8.1f} TFLOP/s "
                  f"(trials {' '.join(f'{x:.1f}' for x in row.get('tflops_trials', []))})", file=sys.stderr)
    torch.backends.cuda.matmul.allow_tf32 = False
    out["settings"]["tf32"] = "allow_tf32 True for dtype tf32 only"
    out["versions"] = library_versions()  # after the matmuls: the cuBLAS libraries are mapped by now
    out["wall_s"] = time.monotonic() - started
    json.dump(out, sys.stdout, indent=2)


if __name__ == "__main__":
    main()
