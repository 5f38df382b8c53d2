# fault_tests: the fault matrix as tests (tests/integration/fault_cases.sh):
# graceful stops, dead and stopped ranks, full disks, concurrent writers.
# Included by tests/CMakeLists.txt.
set(FLOPWALL_FAULT_CASES
  stop_usr2_mpirun stop_sweep stop_term_rank stop_term_repeated stop_term_mpirun stop_twice stop_collectives
  kill9_run sigstop_collectives full_disk_run full_disk_collectives
  same_out_concurrent default_names_concurrent slurm_default_name existing_out long_out_name)
foreach(case ${FLOPWALL_FAULT_CASES})
  add_test(NAME fault_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/fault_cases.sh ${case}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE})
  set_tests_properties(fault_${case} PROPERTIES LABELS "cli;fault" TIMEOUT 180
                       ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}" SKIP_REGULAR_EXPRESSION "^SKIP \\[")
endforeach()
# Deadlines measured from a signal need the cores to themselves.
set_tests_properties(fault_kill9_run fault_sigstop_collectives fault_stop_term_rank fault_stop_twice
                     PROPERTIES RUN_SERIAL TRUE)
