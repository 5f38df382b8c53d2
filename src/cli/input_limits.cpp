// Bounds on what the command-line inputs make the job allocate.
