# What the benchmark scripts share; sourced, not run.
# mpirun as root (the development machines and CI run as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# The median of the numbers on stdin, one per line (the mean of the middle
# two for an even count): the figure every script reports over its repeats.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
