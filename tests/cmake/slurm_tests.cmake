# slurm_tests: registered by tests/CMakeLists.txt.
# The sbatch templates (launch/slurm/) under a real one-host SLURM that
# tests/launch/local-slurm.sh brings up once for all of them (a ctest fixture:
# slurm_up before, slurm_down after, also when a case fails). slurm_jobs and
# slurm_time_limit share it and may run side by side (ctest -j 2): the time
# limit's case mostly waits for SLURM's once-every-30-s limit check. Each
# exits 77 (skipped) where SLURM cannot run: not root, no slurm-wlm/munge.
# Label `launch`: scripts and a scheduler, not flopwall's memory safety; the
# sanitizer build skips them (tests/run.sh).
set(FLOPWALL_SLURM_ENV FLOPWALL_SLURM_DIR=/tmp/flopwall-slurm-ctest ${FLOPWALL_MPI_TEST_ENV})
foreach(case up jobs time_limit down)
  add_test(NAME slurm_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/slurm_cases.sh ${case} $<TARGET_FILE:flopwall>)
  set_tests_properties(slurm_${case} PROPERTIES LABELS launch SKIP_RETURN_CODE 77
                       ENVIRONMENT "${FLOPWALL_SLURM_ENV}")
endforeach()
# up: 30 s for the node to be idle; down: KillWait (30 s) for a job left running.
set_tests_properties(slurm_up PROPERTIES TIMEOUT 60 FIXTURES_SETUP slurm_cluster)
set_tests_properties(slurm_down PROPERTIES TIMEOUT 90 FIXTURES_CLEANUP slurm_cluster)
# jobs: ~35 s alone on 2 cores, longer beside the time-limit jobs' busy ranks.
set_tests_properties(slurm_jobs PROPERTIES TIMEOUT 240 FIXTURES_REQUIRED slurm_cluster)
# time_limit: --time=1 plus SLURM's up to 30 s late check, plus KillWait.
set_tests_properties(slurm_time_limit PROPERTIES TIMEOUT 240 FIXTURES_REQUIRED slurm_cluster)
