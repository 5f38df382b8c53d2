#pragma once
// The sweep's renderers for `flopwall collectives`, which prints them live;
// they belong to the report's sweep section.
#include "analysis/sections/sweep_section.hpp"
