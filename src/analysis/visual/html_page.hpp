#pragma once
// `flopwall report --format html`: one self-contained page, opened offline.
// The report's JSON (with its "charts" key, charts_section.hpp) is inlined as
// data; the chart library (Chart.js, from Debian's libjs-chart.js, found when
// flopwall is built) and the page's own script and style are inlined beside
// it, and a Content-Security-Policy forbids the page any request at all.
// The script (page/report_page.js) draws every chart from that JSON alone.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace flopwall {

struct PageAssets {
  std::string_view chart_js;     // the chart library's minified script; empty when the build found none
  std::string_view chart_js_from;  // where the build found it (shown in the page's footer)
  std::string_view page_js;
  std::string_view page_css;
};

std::string html_page(const nlohmann::json& report, const PageAssets& assets);

}  // namespace flopwall
