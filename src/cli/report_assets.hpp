#pragma once
// The HTML report's inlined files (analysis/visual/html_page.hpp), compiled
// into the binary when it is built (cmake/FlopwallReportAssets.cmake): the
// chart library from the system's package, the page's script and style from
// src/analysis/visual/page/. The binary then needs no file at run time.
#include "analysis/visual/html_page.hpp"

namespace flopwall {

const PageAssets& report_page_assets();

}  // namespace flopwall
