// Must compile: the control for model_includes_runtime.cpp. Linked to
// flopwall_model alone, like it; model USES collectives, so this include
// resolves through build/layers/collectives. (Nothing else here, so that the
// control fails only if that include root is missing.)
#include "collectives/collective.hpp"
