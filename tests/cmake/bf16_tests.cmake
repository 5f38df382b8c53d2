# bf16_tests: --dtype bf16 on the cpu backend (host bfloat16, the CPU kernels
# on bf16 storage, sbgemm's lookup, MPI's bfloat16 reductions, the TP split).
# Included by tests/CMakeLists.txt, which defines FLOPWALL_MPI_TEST_ENV and
# finds GTest and MPI first.
add_executable(flopwall_bf16_tests unit/test_bfloat16.cpp unit/test_kernels_bf16.cpp)
target_link_libraries(flopwall_bf16_tests PRIVATE flopwall_lib GTest::gtest_main)
gtest_discover_tests(flopwall_bf16_tests PROPERTIES LABELS unit ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}"
                     SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")

add_executable(flopwall_bf16_mpi_tests mpi/mpi_test_main.cpp mpi/test_bf16_mpi.cpp)
target_link_libraries(flopwall_bf16_mpi_tests PRIVATE flopwall_lib GTest::gtest)
foreach(np 1 2)
  add_test(NAME bf16_mpi_np${np}
           COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} --oversubscribe
                   $<TARGET_FILE:flopwall_bf16_mpi_tests>)
  set_tests_properties(bf16_mpi_np${np} PROPERTIES LABELS mpi TIMEOUT 120 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endforeach()

# End to end: `flopwall run --backend cpu --dtype bf16` runs and reports bf16
# where the loaded OpenBLAS exports cblas_sbgemm, and is refused with one
# line otherwise (the script asks the library itself, with nm); bf16
# collectives over MPI pass their check.
foreach(case run_cpu_bf16 coll_cpu_bfloat16)
  add_test(NAME cli_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/bf16_cases.sh ${case}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE})
  set_tests_properties(cli_${case} PROPERTIES LABELS cli TIMEOUT 120 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endforeach()
