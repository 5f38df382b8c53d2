# export_tests: registered by tests/CMakeLists.txt.
# `flopwall export --format chrome` end to end (tests/integration/export_cases.sh):
# a real two-rank run exported whole and by --iters, the synthetic trace,
# collective and workload sweeps, overlapping slices and rows out of
# order, bad inputs and failed writes, each export
# checked by tests/tools/check_chrome_trace.py against the trace read with
# h5py; and the checker shown to catch broken exports. Needs the synthetic
# trace generator (FLOPWALL_BENCH, as CI's build/ has it).
if(TARGET flopwall_synthetic_trace)
  set(_export_args $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE} $<TARGET_FILE:flopwall_synthetic_trace>)
  foreach(case export_run export_synthetic export_sweeps export_overlap export_bad_input export_write_failure export_checker_catches)
    add_test(NAME cli_${case}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/export_cases.sh ${case} ${_export_args})
    set_tests_properties(cli_${case} PROPERTIES LABELS cli TIMEOUT 240 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
  endforeach()
  # bench/export_bench.sh run small: it prints every run and the median;
  # no figure is judged (benchmarks print, people read).
  add_test(NAME bench_export_runs
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/export_cases.sh export_bench ${_export_args})
  set_tests_properties(bench_export_runs PROPERTIES LABELS bench TIMEOUT 120 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endif()
