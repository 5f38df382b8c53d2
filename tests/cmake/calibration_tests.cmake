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

# The CUDA triad on the SIMT emulator (label emulated, CUDA builds only, as
# tests/emulated/test_kernels_emulated.cpp).
if(FLOPWALL_HAVE_CUDA)
  add_executable(flopwall_emulated_triad_tests emulated/test_triad_emulated.cpp)
  target_link_libraries(flopwall_emulated_triad_tests PRIVATE flopwall_lib GTest::gtest_main CUDA::cudart)
  target_compile_options(flopwall_emulated_triad_tests PRIVATE -Wall -Wextra -Wno-unknown-pragmas
                         -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(flopwall_emulated_triad_tests PRIVATE -fsanitize=address,undefined)
  gtest_discover_tests(flopwall_emulated_triad_tests PROPERTIES LABELS emulated
                       ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0" DISCOVERY_TIMEOUT 60)
endif()
