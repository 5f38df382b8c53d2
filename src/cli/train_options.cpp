#include "cli/train_options.hpp"

#include <string>

namespace flopwall {

namespace po = boost::program_options;

po::options_description train_settings() {
  po::options_description d("Training step");
  d.add_options()("mode", po::value<std::string>()->default_value("prefill"),
                  "prefill (forward pass) | train (forward, backward and gradients; docs/metrics.md)");
  return d;
}

TrainConfig parse_train_options(const po::variables_map& vm) {
  TrainConfig t;
  t.mode = parse_run_mode(vm["mode"].as<std::string>());
  return t;
}

}  // namespace flopwall
