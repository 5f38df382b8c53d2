# machine_tests: the machine description in traces, the BLAS fallback
# judgement, and `flopwall doctor` (tests/integration/machine_cases.sh).
# Label cli, like the other end-to-end cases.
set(FLOPWALL_MACHINE_CASES inventory_in_trace blas_fallback_warning blas_best_no_warning doctor_here doctor_tcp_fallback
    doctor_blas_fallback doctor_bad_input)
foreach(case ${FLOPWALL_MACHINE_CASES})
  add_test(NAME machine_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/machine_cases.sh ${case}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE} ${Python3_EXECUTABLE})
  set_tests_properties(machine_${case} PROPERTIES LABELS cli TIMEOUT 300 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}"
                       SKIP_REGULAR_EXPRESSION "^SKIP: ")
endforeach()
