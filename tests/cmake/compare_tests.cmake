# compare_tests: registered by tests/CMakeLists.txt.
# `flopwall compare` end to end (tests/integration/compare_cases.sh): its gate
# on synthetic traces with a known slowdown and with noise alone, its figures
# against the report's, and its refusals. Needs the synthetic trace generator
# (FLOPWALL_BENCH, as CI's build/ has it).
if(TARGET flopwall_synthetic_trace)
  foreach(case compare_gate compare_runs compare_bad_input)
    add_test(NAME cli_${case}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/compare_cases.sh ${case}
                     $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE} $<TARGET_FILE:flopwall_synthetic_trace>)
    set_tests_properties(cli_${case} PROPERTIES LABELS cli TIMEOUT 240 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
  endforeach()
endif()

# What a launched job records and how it ends (tests/integration/launch_cases.sh):
# --duration, each rank's placement and the job section, --topology presets.
foreach(case duration placement topology)
  add_test(NAME cli_launch_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/launch_cases.sh ${case}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE})
  set_tests_properties(cli_launch_${case} PROPERTIES LABELS cli TIMEOUT 240 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endforeach()
