#include "analysis/visual/html_page.hpp"

namespace flopwall {
namespace {

// JSON inside <script>: a "</script>" or "<!--" in a string (a host name, a
// command line) must not end or comment the element. '<' appears in JSON
// only inside strings, where \u003c means the same character.
std::string script_safe_json(const nlohmann::json& report) {
  const std::string text = report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 64);
  for (const char c : text) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  return out;
}

}  // namespace

std::string html_page(const nlohmann::json& report, const PageAssets& assets) {
  std::string page;
  page.reserve(assets.chart_js.size() + assets.page_js.size() + 4096);
  page += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing may be fetched: no network, no other file. Inline scripts and
  // styles only, and images made by the page (the charts' canvases).
  page +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
      "style-src 'unsafe-inline'; img-src data: blob:\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += "<title>flopwall report</title>\n<style>\n";
  page += assets.page_css;
  page += "\n</style>\n</head>\n<body>\n<main id=\"report\"><p>Drawing the report&hellip;</p></main>\n";
  page += "<script type=\"application/json\" id=\"flopwall-report\">";
  page += script_safe_json(report);
  page += "</script>\n<script type=\"application/json\" id=\"flopwall-chart-library\">";
  page += script_safe_json(std::string(assets.chart_js_from));
  page += "</script>\n<script>\n";
  page += assets.chart_js;
  page += "\n</script>\n<script>\n";
  page += assets.page_js;
  page += "\n</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace flopwall
