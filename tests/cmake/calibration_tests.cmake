# calibration_tests: the calibration's JSON model, its fit, sizing and triad
# (unit), and `flopwall calibrate` / `run --calibration` end to end (cli,
# tests/integration/calibration_cases.sh).
add_executable(flopwall_calibration_tests unit/test_calibration.cpp)
target_link_libraries(flopwall_calibration_tests PRIVATE flopwall_lib GTest::gtest_main)
gtest_discover_tests(flopwall_calibration_tests PROPERTIES LABELS unit ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")

set(FLOPWALL_CALIBRATION_CASES calibrate_two_ranks run_stores_short run_stores_file bad_calibrate bad_run_calibration)
foreach(case ${FLOPWALL_CALIBRATION_CASES})
  add_test(NAME calibration_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/calibration_cases.sh ${case}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE} ${Python3_EXECUTABLE})
  set_tests_properties(calibration_${case} PROPERTIES LABELS cli TIMEOUT 120 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endforeach()
