# visual_tests: registered by tests/CMakeLists.txt.
# The HTML report (tests/integration/visual_cases.sh): opened in headless
# Chromium where it can run (cases skip with exit 77 otherwise), checked
# without a browser for what it holds and asks for, and its bad inputs.
# html_run leaves its screenshot at build/report-screenshot.png (the README's
# picture, docs/images/report.png, is one such).
foreach(case html_run html_sweeps html_compare html_offline html_bad_input)
  add_test(NAME cli_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/visual_cases.sh ${case}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE} ${PROJECT_SOURCE_DIR})
  set_tests_properties(cli_${case} PROPERTIES LABELS cli TIMEOUT 300 SKIP_RETURN_CODE 77
                       ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV};FLOPWALL_SCREENSHOT=${PROJECT_BINARY_DIR}/report-screenshot.png")
endforeach()
