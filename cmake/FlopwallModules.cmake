# One library per floor of the house (docs/architecture.md).
#
#   flopwall_module(<name> DIR <dir> SOURCES <files...> [CUDA_SOURCES <files...>]
#                   USES <floors below...> [LIBS <libraries...>] [CUDA_LIBS <libraries...>])
#
# makes the library flopwall_<name> from the sources (CUDA_SOURCES only when
# the CUDA backend is built). Its headers are reachable as "<name>/file.hpp"
# through an include root of its own, build/layers/<name>, which holds one
# link, <name> -> DIR. A floor sees its own root and, through
# target_link_libraries, the roots of the floors it USES and of theirs:
# exactly the floors below it. Any other include is "No such file or
# directory": the build refuses an include that runs up or across the
# floors. tests/layers checks every #include against the USES lists too.
set(FLOPWALL_MODULES "" CACHE INTERNAL "")

function(flopwall_module name)
  cmake_parse_arguments(M "" "DIR" "SOURCES;CUDA_SOURCES;USES;LIBS;CUDA_LIBS" ${ARGN})
  set(root ${PROJECT_BINARY_DIR}/layers/${name})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${M_DIR} ${root}/${name} SYMBOLIC)
  set(sources ${M_SOURCES})
  if(FLOPWALL_HAVE_CUDA)
    list(APPEND sources ${M_CUDA_SOURCES})
  endif()
  add_library(flopwall_${name} STATIC ${sources})
  target_include_directories(flopwall_${name} PUBLIC ${root})
  foreach(use ${M_USES})
    if(NOT TARGET flopwall_${use})
      message(FATAL_ERROR "floor ${name} uses ${use}, which is not defined below it")
    endif()
    target_link_libraries(flopwall_${name} PUBLIC flopwall_${use})
  endforeach()
  target_link_libraries(flopwall_${name} PUBLIC ${M_LIBS})
  if(FLOPWALL_HAVE_CUDA)
    target_link_libraries(flopwall_${name} PUBLIC ${M_CUDA_LIBS})
  endif()
  # Designated initializers leave the rest defaulted on purpose.
  target_compile_options(flopwall_${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-missing-field-initializers>)
  set(FLOPWALL_MODULES ${FLOPWALL_MODULES} ${name} CACHE INTERNAL "")
endfunction()
