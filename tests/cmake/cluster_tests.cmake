# cluster_tests: registered by tests/CMakeLists.txt.
# flopwall across hosts on an emulated cluster (launch/emulated-cluster.sh:
# network namespaces on a bridge), tests/integration/cluster_cases.sh. Each
# case brings up and takes down its own cluster (own name and subnet); exit
# 77 (skipped) where the machine cannot (not root, no network namespaces).
# RESOURCE_LOCK: the cases load both cores of a small machine (4 ranks plus
# the shaped links' timings), so they run one at a time.
foreach(case cluster_tiers cluster_hang cluster_links)
  add_test(NAME launch_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/cluster_cases.sh ${case}
                   $<TARGET_FILE:flopwall> ${MPIEXEC_EXECUTABLE})
  set_tests_properties(launch_${case} PROPERTIES LABELS launch TIMEOUT 180 SKIP_RETURN_CODE 77
                       RESOURCE_LOCK flopwall_emulated_cluster ENVIRONMENT "${FLOPWALL_MPI_TEST_ENV}")
endforeach()
# The link comparison reads an 8-byte allreduce's few microseconds in two
# runs made one after the other: beside other tests' busy ranks they differ
# by 20% from load alone. Alone, they agree within a few percent.
set_tests_properties(launch_cluster_links PROPERTIES RUN_SERIAL TRUE)
