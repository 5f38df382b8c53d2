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
#
# CUDA_SOURCES are not part of flopwall_<name>: when the CUDA backend is
# built they make the object library flopwall_<name>_cuda (position
# independent, linked to CUDA_LIBS), a part of the CUDA plugin
# build/libflopwall_cuda.so (src/CMakeLists.txt, docs/gpu.md). The floor
# libraries, and so the flopwall binary, never link a CUDA library. Tests
# and benchmarks that call the CUDA code directly link the parts with
# flopwall_link_cuda_parts(<target>).
set(FLOPWALL_MODULES "" CACHE INTERNAL "")
set(FLOPWALL_CUDA_PARTS "" CACHE INTERNAL "")

function(flopwall_module name)
  cmake_parse_arguments(M "" "DIR" "SOURCES;CUDA_SOURCES;USES;LIBS;CUDA_LIBS" ${ARGN})
  set(root ${PROJECT_BINARY_DIR}/layers/${name})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${M_DIR} ${root}/${name} SYMBOLIC)
  add_library(flopwall_${name} STATIC ${M_SOURCES})
  target_include_directories(flopwall_${name} PUBLIC ${root})
  foreach(use ${M_USES})
    if(NOT TARGET flopwall_${use})
      message(FATAL_ERROR "floor ${name} uses ${use}, which is not defined below it")
    endif()
    target_link_libraries(flopwall_${name} PUBLIC flopwall_${use})
  endforeach()
  target_link_libraries(flopwall_${name} PUBLIC ${M_LIBS})
  # Designated initializers leave the rest defaulted on purpose.
  target_compile_options(flopwall_${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-missing-field-initializers>)
  if(FLOPWALL_HAVE_CUDA AND M_CUDA_SOURCES)
    add_library(flopwall_${name}_cuda OBJECT ${M_CUDA_SOURCES})
    set_target_properties(flopwall_${name}_cuda PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_link_libraries(flopwall_${name}_cuda PUBLIC flopwall_${name} ${M_CUDA_LIBS})
    target_compile_options(flopwall_${name}_cuda PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-missing-field-initializers>)
    set(FLOPWALL_CUDA_PARTS ${FLOPWALL_CUDA_PARTS} flopwall_${name}_cuda CACHE INTERNAL "")
  endif()
  set(FLOPWALL_MODULES ${FLOPWALL_MODULES} ${name} CACHE INTERNAL "")
endfunction()

# Links every floor's CUDA part into <target> directly (their objects and,
# through them, the floors and the CUDA libraries): for tests and benchmarks
# that call the CUDA code without the plugin.
function(flopwall_link_cuda_parts target)
  target_link_libraries(${target} PRIVATE ${FLOPWALL_CUDA_PARTS})
endfunction()
