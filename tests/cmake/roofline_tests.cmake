# roofline_tests: registered by tests/CMakeLists.txt.
# The report's roofline section against a tiny run with and without a
# calibration in its /meta (tests/integration/roofline_cases.sh); the
# calibration goes in through h5py, or this tool where h5py is absent.
add_executable(set_trace_attribute
  ${CMAKE_CURRENT_SOURCE_DIR}/tools/set_trace_attribute.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tools/table_edits.cpp)
target_include_directories(set_trace_attribute PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(set_trace_attribute PRIVATE flopwall_lib)

foreach(case calibrated not_calibrated dtype_missing)
  add_test(NAME cli_roofline_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/roofline_cases.sh ${case}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE} $<TARGET_FILE:set_trace_attribute>)
  set_tests_properties(cli_roofline_${case} PROPERTIES LABELS cli TIMEOUT 120 SKIP_RETURN_CODE 77
                       ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endforeach()
