# `flopwall run --mode train` end to end (tests/integration/train_cases.sh).
foreach(case train_dp2 train_tp2 train_sequence_parallel train_overlap train_bad_input)
  add_test(NAME cli_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/train_cases.sh ${case}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE})
  set_tests_properties(cli_${case} PROPERTIES LABELS cli TIMEOUT 180 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endforeach()
