# layer_tests: registered by tests/CMakeLists.txt
# Each floor includes only the floors below it (docs/architecture.md), label
# layers:
#   layers_includes         tests/layers/check_layers.py on the tree: every
#                           #include against the USES lists, FLOPWALL_HAVE_CUDA
#                           only in the backends table and CUDA-only sources
#   layers_doc_table        docs/architecture.md's floor table is the one
#                           check_layers.py --table prints
#   layers_checker_catches  the checker fails, naming both, on a scratch copy
#                           with an upward include and a FLOPWALL_HAVE_CUDA planted
#   layers_build_refuses    the compiler refuses an upward include (model ->
#                           runtime) and builds an allowed one (model -> collectives)

# Object libraries that only layers_build_refuses builds: linked to the model
# floor alone, they see the include roots that the model floor sees.
foreach(_case model_includes_runtime model_includes_collectives)
  add_library(flopwall_layers_${_case} OBJECT EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/layers/${_case}.cpp)
  target_link_libraries(flopwall_layers_${_case} PRIVATE flopwall_model)
endforeach()
add_test(NAME layers_build_refuses
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/layers/build_refuses.sh ${CMAKE_COMMAND} ${PROJECT_BINARY_DIR}
                 $<CONFIG> flopwall_layers_model_includes_runtime flopwall_layers_model_includes_collectives)
set_tests_properties(layers_build_refuses PROPERTIES LABELS layers TIMEOUT 300)

find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  set(_checker ${CMAKE_CURRENT_SOURCE_DIR}/layers/check_layers.py)
  add_test(NAME layers_includes COMMAND ${Python3_EXECUTABLE} ${_checker} --root ${PROJECT_SOURCE_DIR})
  add_test(NAME layers_doc_table
           COMMAND ${Python3_EXECUTABLE} ${_checker} --root ${PROJECT_SOURCE_DIR}
                   --check-doc ${PROJECT_SOURCE_DIR}/docs/architecture.md)
  # The scratch copy goes under the build directory and is removed at the end.
  add_test(NAME layers_checker_catches
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/layers/checker_catches.py
                   ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(layers_includes layers_doc_table layers_checker_catches PROPERTIES LABELS layers TIMEOUT 120)
else()
  message(STATUS "flopwall: no Python 3 interpreter; the layers checker tests are not registered")
endif()
