# input_tests: every input bounded before anything is allocated.
# Included by tests/CMakeLists.txt, which defines FLOPWALL_MPI_TEST_ENV and
# finds GTest and MPI first.

# Checked size arithmetic, the sweep's size list and parse_size. The run
# and collectives option ranges and the footprints are in
# flopwall_unit_tests (test_run_options.cpp, test_model.cpp).
add_executable(flopwall_input_tests unit/test_checked_math.cpp)
target_link_libraries(flopwall_input_tests PRIVATE flopwall_lib GTest::gtest_main)
gtest_discover_tests(flopwall_input_tests PROPERTIES LABELS unit ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")

# End to end: every row of tests/integration/bad_inputs.sh runs the real
# binary under mpirun and must end with exit 2, one line naming the value,
# within seconds, leaving nothing behind. One ctest case per row.
execute_process(COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/bad_inputs.sh --list
                OUTPUT_VARIABLE _bad_input_rows OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE _bad_input_rc)
if(NOT _bad_input_rc EQUAL 0)
  message(FATAL_ERROR "tests/integration/bad_inputs.sh --list failed (${_bad_input_rc})")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/integration/bad_inputs.sh)
string(REPLACE "\n" ";" _bad_input_rows "${_bad_input_rows}")
foreach(row ${_bad_input_rows})
  add_test(NAME bad_input_${row}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/bad_inputs.sh ${row}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE})
  set_tests_properties(bad_input_${row} PROPERTIES LABELS cli TIMEOUT 60 ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endforeach()
