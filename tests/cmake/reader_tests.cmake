# reader_tests: registered by tests/CMakeLists.txt.
# `flopwall report` against damaged traces: a tool that damages a good trace
# one class at a time, a ctest entry per class (tests/integration/
# damaged_traces.sh), and every input the fuzzer ever crashed on
# (tests/fuzz/regressions/). tests/fuzz/run-fuzz.sh builds and runs the fuzzer.

add_executable(make_damaged_trace
  ${CMAKE_CURRENT_SOURCE_DIR}/tools/make_damaged_trace.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tools/trace_damage.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tools/table_edits.cpp)
target_include_directories(make_damaged_trace PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(make_damaged_trace PRIVATE flopwall_lib)

# Keep in step with make_damaged_trace --list; damaged_class_list checks it.
set(FLOPWALL_DAMAGE_CLASSES
  iter_minus_one iter_int_max iter_int_min op_out_of_range op_negative end_before_start stamps_extreme
  world_size_zero world_size_negative world_size_above_groups world_size_huge world_size_string
  schema_version_string hostname_integer clock_error_negative missing_rank_group rank_group_deleted rank_group_soft_link
  events_external_link events_unwritten events_field_missing events_field_renamed events_field_wrong_type
  events_all_fields_missing events_no_checksum ops_unwritten ops_id_mismatch ops_kind_unknown
  config_json_nested config_json_wrong_types config_json_not_json
  sweep_rows_values sweep_wrong_negative sweep_field_wrong_type sweep_fits_missing sweep_notes_integer
  sweep_rows_unwritten truncated byte_flips superblock_flip object_header_flip events_chunk_flip events_chunk_inflate
  no_checksums
  points_sweep_json_not_json points_param_unknown points_value_mismatch points_more_than_values points_group_missing
  points_config_json_wrong_types points_op_out_of_range)

set(_damaged_script ${CMAKE_CURRENT_SOURCE_DIR}/integration/damaged_traces.sh)
set(_damaged_dir ${CMAKE_CURRENT_BINARY_DIR}/damaged_traces)
set(_damaged_args ${_damaged_dir} $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE} $<TARGET_FILE:make_damaged_trace>)

# The good run and sweep traces every class damages, made once.
add_test(NAME damaged_setup COMMAND bash ${_damaged_script} setup ${_damaged_args})
set_tests_properties(damaged_setup PROPERTIES LABELS damaged TIMEOUT 300 FIXTURES_SETUP damaged_traces
                     ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")

foreach(class ${FLOPWALL_DAMAGE_CLASSES})
  add_test(NAME damaged_${class} COMMAND bash ${_damaged_script} ${class} ${_damaged_args})
  set_tests_properties(damaged_${class} PROPERTIES LABELS damaged TIMEOUT 300 FIXTURES_REQUIRED damaged_traces)
endforeach()

# The corrupted chunk must be caught by flopwall's own inflate when it has one.
if(LIBDEFLATE_FOUND)
  set_tests_properties(damaged_events_chunk_inflate PROPERTIES ENVIRONMENT FLOPWALL_CHUNKS_INFLATED=1)
endif()

# A table written with another filter pipeline reads through HDF5, the same.
add_test(NAME damaged_filter_fallback COMMAND bash ${_damaged_script} filter_fallback ${_damaged_args})
set_tests_properties(damaged_filter_fallback PROPERTIES LABELS damaged TIMEOUT 120 FIXTURES_REQUIRED damaged_traces)

add_test(NAME damaged_class_list COMMAND bash ${_damaged_script} class_list ${_damaged_args} ${FLOPWALL_DAMAGE_CLASSES})
set_tests_properties(damaged_class_list PROPERTIES LABELS damaged TIMEOUT 60 FIXTURES_REQUIRED damaged_traces)

add_test(NAME fuzz_regressions
         COMMAND bash ${_damaged_script} regressions ${_damaged_args} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regressions)
set_tests_properties(fuzz_regressions PROPERTIES LABELS damaged TIMEOUT 600 FIXTURES_REQUIRED damaged_traces)
