#!/usr/bin/env bash
# The layers_build_refuses test: the compiler itself refuses an upward include.
#   tests/layers/build_refuses.sh CMAKE BUILD_DIR CONFIG REFUSED_TARGET CONTROL_TARGET
# REFUSED_TARGET (tests/layers/model_includes_runtime.cpp, linked only to
# flopwall_model) must fail to build, with "No such file" naming
# runtime/runner.hpp; CONTROL_TARGET (model_includes_collectives.cpp, an
# allowed include, linked the same way) must build. Both are EXCLUDE_FROM_ALL
# object libraries (tests/cmake/layer_tests.cmake) that only this test builds,
# one after the other, so a parallel ctest never builds them twice at once.
set -uo pipefail

[[ $# -eq 5 ]] || { echo "usage: $0 CMAKE BUILD_DIR CONFIG REFUSED_TARGET CONTROL_TARGET" >&2; exit 2; }
cmake=$1 build=$2 config=$3 refused=$4 control=$5
log=$(mktemp "${TMPDIR:-/tmp}/flopwall-layers-build.XXXXXX")
trap 'rm -f "$log"' EXIT
failed=0

build() {
  "$cmake" --build "$build" --config "$config" --target "$1" >"$log" 2>&1
}
show() { sed 's/^/      | /' "$log" | tail -n 20; }

echo "build $refused (model includes runtime/runner.hpp): must fail"
if build "$refused"; then
  echo "FAIL  it built: model sees runtime's headers, so the include roots no longer keep the floors apart"
  show
  failed=1
elif ! grep -q 'runtime/runner.hpp.*No such file' "$log"; then
  echo "FAIL  it failed, but not with \"runtime/runner.hpp: No such file\"; its output:"
  show
  failed=1
else
  echo "      refused as expected: $(grep -m1 'runtime/runner.hpp.*No such file' "$log")"
fi

echo "build $control (model includes collectives/collective.hpp): must build"
if build "$control"; then
  echo "      built"
else
  echo "FAIL  the allowed include did not build; its output:"
  show
  failed=1
fi

[[ $failed -eq 0 ]] && echo "build_refuses: the compiler refused the upward include and took the allowed one"
exit $failed
