# bench_tests: registered by tests/CMakeLists.txt where the benchmarks are
# built (not in the sanitizer build). Label bench:
#   bench_scripts_run   bench/compare_bare.sh, compare_gemm.sh, calibration_vs_openblas.sh,
#                       workload_ceilings.sh and html_report_bench.sh run a
#                       few calls end to end and print every row; no figure
#                       is judged (benchmarks print, people read)
if(TARGET bare_collective AND TARGET bare_gemm AND TARGET bare_sgemm)
  add_test(NAME bench_scripts_run COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/bench_smoke.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(bench_scripts_run PROPERTIES LABELS bench TIMEOUT 300
                       ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endif()
