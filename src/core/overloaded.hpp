#pragma once
// std::visit over several lambdas: Overloaded{[](A){...}, [](B){...}}.
namespace flopwall {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

}  // namespace flopwall
