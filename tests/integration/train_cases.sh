#!/usr/bin/env bash
# End-to-end checks of `flopwall run --mode train`, one case per ctest entry:
#   train_cases.sh CASE FLOPWALL MPIEXEC [PYTHON]
set -euo pipefail

case_name=$1 flopwall=$2 mpiexec=$3 python=${4:-python3}
source "$(dirname "$0")/case_lib.sh"

# tiny with one layer: 128 tokens · (8h² + 4hf + 2hs) = 205 520 896 forward FLOPs, 3x for the step.
train_tiny() { mpi 2 "$flopwall" run --model tiny --layers 1 --iters 2 --warmup 1 --quiet --mode train "$@"; }

case $case_name in
train_dp2)
  train_tiny --tp 1 --out t.h5
  "$flopwall" report t.h5 --format json >r.json
  # Two data-parallel replicas, each the whole step: the job's FLOPs are summed over ranks.
  json_check r.json 'r["model_flops_per_iter"] == 2 * 3 * 205520896'
  json_check r.json '{o["name"] for o in r["ops"]} >= {"mlp_up_wgrad", "mlp_up_dgrad", "gelu_bwd", "ln_attn_bwd", "attn_score_bwd", "attn_context_bwd", "attn_softmax_bwd"}'
  json_check r.json 'not any(o["name"].startswith("allreduce") for o in r["ops"])'
  # tiny, one layer: 3·256² + 256² + 2·256·1024 + 4·256 = 786 432 gradient elements, 3 MiB in fp32:
  # one bucket at the default 25 MiB; at 1 MiB four, in backward order: w_down (1 MiB), w_up (1 MiB),
  # ln_mlp + w_out + w_qkv (the sum reaches 1 MiB), ln_attn.
  json_check r.json '[o["name"] for o in r["ops"] if o["name"].startswith("grad_allreduce")] == ["grad_allreduce_b0"]'
  train_tiny --tp 1 --grad-bucket-mb 1 --out t1.h5
  "$flopwall" report t1.h5 --format json >r1.json
  json_check r1.json 'sorted(o["name"] for o in r["ops"] if o["name"].startswith("grad_allreduce")) == ["grad_allreduce_b%d" % k for k in range(4)]'
  # The train section: its parts are the op table's times by the documented split (docs/metrics.md), per rank and iteration.
  json_check r1.json 'r["train"]["grad_buckets"] == 4 and r["train"]["tp_comm_s"] == 0'
  json_check r1.json 'abs(r["train"]["grad_allreduce_s"] - sum(o["time_s"]["mean"] * o["count"] for o in r["ops"] if o["name"].startswith("grad_allreduce")) / (2 * r["iterations"])) < 1e-9'
  json_check r1.json 'abs(r["train"]["backward_s"] - sum(o["time_s"]["mean"] * o["count"] for o in r["ops"] if o["kind"] != "comm" and (o["name"].endswith(("_bwd", "_wgrad", "_dgrad")) or o["name"] == "grad_seed")) / (2 * r["iterations"])) < 1e-9'
  json_check r1.json 'r["train"]["forward_s"] > 0 and r["train"]["exposed_comm_s"] == r["train"]["grad_allreduce_s"] and r["train"]["overlapped_comm_s"] == 0'
  # MFU against the run's own short calibration: achieved per rank over the calibrated fp32 peak.
  json_check r1.json 'abs(r["train"]["mfu"] - r["train"]["achieved_flops_per_s_per_rank"] / r["train"]["calibrated_peak_flops_per_s"]) < 1e-12 and 0 < r["train"]["mfu"] < 2'
  "$flopwall" report t1.h5 >r1.txt
  grep -q "^training step (mean per rank and iteration)" r1.txt && grep -q "^  MFU  " r1.txt || fail "text lacks the train section: $(cat r1.txt)"
  ;;
train_tp2)
  train_tiny --tp 2 --out t.h5
  "$flopwall" report t.h5 --format json >r.json
  json_check r.json 'r["model_flops_per_iter"] == 3 * 205520896'
  json_check r.json '{o["name"] for o in r["ops"]} >= {"allreduce_attn", "allreduce_mlp", "allreduce_attn_dgrad", "allreduce_mlp_dgrad"}'
  ;;
train_bad_input)
  expect_usage_error "--mode 'backward' is not valid; valid: prefill, serve, train" \
    "$flopwall" run --model tiny --mode backward --out t.h5
  expect_usage_error "--grad-bucket-mb applies to the training step only" \
    "$flopwall" run --model tiny --grad-bucket-mb 4 --out t.h5
  # A single weight gradient (hidden x 3·hidden) over MPI's int count: refused before any memory is asked for.
  expect_usage_error "more than MPI's int counts allow" mpi 2 "$flopwall" run --mode train --tp 1 --hidden 65536 \
    --heads 1 --ffn 65536 --layers 1 --seq 1 --batch 1 --out t.h5
  expect_usage_error "--dtype fp16 with --mode train is not supported by --backend cpu; valid: fp32, fp64" \
    "$flopwall" run --model tiny --mode train --backend cpu --dtype fp16 --out t.h5
  expect_usage_error "--moe-experts 4 with --mode train is not supported" \
    "$flopwall" run --model tiny --mode train --moe-experts 4 --out t.h5
  expect_usage_error "--prompt-len is a serve flag" "$flopwall" run --model tiny --mode train --prompt-len 8 --out t.h5
  for bad in 0 -1 2000 nan; do
    expect_usage_error "--grad-bucket-mb" "$flopwall" run --model tiny --mode train --grad-bucket-mb "$bad" --out t.h5
  done
  expect_usage_error "--overlap-grad-reduce applies to the training step only" \
    "$flopwall" run --model tiny --overlap-grad-reduce --out t.h5
  expect_usage_error "--sequence-parallel applies to the training step only" \
    "$flopwall" run --model tiny --sequence-parallel --out t.h5
  # 3 tokens over tp 2.
  expect_usage_error "--sequence-parallel splits the 3 tokens (batch 1 x seq 3) over tp 2" \
    mpi 2 "$flopwall" run --model tiny --mode train --sequence-parallel --tp 2 --seq 3 --batch 1 --out t.h5
  ;;
train_overlap)
  # Each bucket's allreduce starts once backward has written its last gradient and is waited for after backward.
  train_tiny --tp 1 --grad-bucket-mb 1 --overlap-grad-reduce --out t.h5
  "$flopwall" report t.h5 --format json >r.json
  json_check r.json 'r["config"]["overlap_grad_reduce"] is True and r["model_flops_per_iter"] == 2 * 3 * 205520896'
  json_check r.json '[o["name"] for o in r["ops"] if o["name"].startswith("grad_allreduce")] == ["grad_allreduce_b%d" % k for k in range(4)] + ["grad_allreduce_b%d_wait" % k for k in range(4)]'
  # The starts sit inside backward: the first one right after the last layer's mlp_down_wgrad (bucket 0 is w_down alone).
  json_check r.json '[o["name"] for o in r["ops"]].index("grad_allreduce_b0") == [o["name"] for o in r["ops"]].index("mlp_down_wgrad") + 1'
  json_check r.json 'r["train"]["overlap_grad_reduce"] is True and r["train"]["grad_buckets"] == 4'
  # Overlapped compute lies within the time a bucket was in flight; exposed is every comm op's time.
  json_check r.json '0 < r["train"]["overlapped_comm_s"] <= r["train"]["grad_allreduce_in_flight_s"]'
  json_check r.json 'abs(r["train"]["exposed_comm_s"] - sum(o["time_s"]["mean"] * o["count"] for o in r["ops"] if o["kind"] == "comm") / (2 * r["iterations"])) < 1e-9'
  "$flopwall" report t.h5 >r.txt
  grep -q "compute while a gradient allreduce was in flight" r.txt || fail "text lacks the overlap: $(cat r.txt)"
  ;;
train_sequence_parallel)
  train_tiny --tp 2 --sequence-parallel --out t.h5
  "$flopwall" report t.h5 --format json >r.json
  # The same model FLOPs as without it; each TP allreduce is now a reduce-scatter and an allgather.
  json_check r.json 'r["model_flops_per_iter"] == 3 * 205520896 and r["config"]["sequence_parallel"] is True'
  json_check r.json '{o["name"] for o in r["ops"] if o["kind"] == "comm"} == {"allgather_attn", "reducescatter_attn", "allgather_mlp", "reducescatter_mlp", "allgather_mlp_bwd", "reducescatter_mlp_dgrad", "allreduce_ln_mlp_grad", "allgather_attn_bwd", "reducescatter_attn_dgrad", "allreduce_ln_attn_grad"}'
  # Every TP collective counts as tensor-parallel communication.
  json_check r.json 'abs(r["train"]["tp_comm_s"] - sum(o["time_s"]["mean"] * o["count"] for o in r["ops"] if o["kind"] == "comm") / (2 * r["iterations"])) < 1e-9'
  ;;
*) fail "unknown case" ;;
esac
