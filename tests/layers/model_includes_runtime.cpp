// Must NOT compile: the layers_build_refuses test builds it as an object
// library that links only flopwall_model, and expects "No such file" for
// runtime/runner.hpp. The model floor sees the include roots of model,
// collectives and core (build/layers/<floor>), never runtime's: an include
// that runs up the floors is a compile error, not a review comment.
#include "runtime/runner.hpp"
