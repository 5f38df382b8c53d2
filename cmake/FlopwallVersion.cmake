# The git revision is taken at configure time; "unknown" outside a checkout.
find_package(Git QUIET)
set(FLOPWALL_GIT_REVISION "unknown")
if(GIT_FOUND)
  execute_process(
    COMMAND ${GIT_EXECUTABLE} describe --always --dirty --abbrev=12
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
    OUTPUT_VARIABLE _rev OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _rc ERROR_QUIET)
  if(_rc EQUAL 0 AND _rev)
    set(FLOPWALL_GIT_REVISION "${_rev}")
  endif()
endif()
