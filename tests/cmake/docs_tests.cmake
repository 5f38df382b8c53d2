# docs_tests: registered by tests/CMakeLists.txt
# Every shell command shown in README.md and docs/*.md runs, at small sizes,
# in a temporary directory (tests/integration/docs_commands.sh states the
# rules). One case per Markdown file, label docs; the glob is re-evaluated at
# build time, so a new page gets its case without editing this file.
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_FOUND)
  message(STATUS "flopwall: no Python 3 interpreter; the docs tests are not registered")
  return()
endif()
file(GLOB _flopwall_doc_pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
foreach(_page ${PROJECT_SOURCE_DIR}/README.md ${_flopwall_doc_pages})
  get_filename_component(_name ${_page} NAME_WE)
  add_test(NAME docs_${_name}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/docs_commands.sh ${_page}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE} ${Python3_EXECUTABLE})
  set_tests_properties(docs_${_name} PROPERTIES LABELS docs TIMEOUT 900
                       ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endforeach()
# The finder and the rules themselves, on a built-in sample.
add_test(NAME docs_extractor COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/integration/doc_commands.py selftest)
set_tests_properties(docs_extractor PROPERTIES LABELS docs TIMEOUT 60)
