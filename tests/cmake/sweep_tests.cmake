# sweep_tests: registered by tests/CMakeLists.txt.
# `flopwall sweep` end to end (tests/integration/sweep_cases.sh).
foreach(case sweep_batch sweep_tp sweep_serve sweep_bad_input)
  add_test(NAME cli_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/sweep_cases.sh ${case}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE})
  set_tests_properties(cli_${case} PROPERTIES LABELS cli TIMEOUT 240 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endforeach()
