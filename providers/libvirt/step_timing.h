// How long each step of making a domain takes, logged at debug level as
// "step OBJECT WHAT MS": what `vdc -v` shows, and what the real-host
// benchmark (bench/realhost_bench.cc) reads to say where an instance's
// time goes.
#pragma once

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

namespace vdc::libvirt {

template <typename Work>
void timedStep(const std::string& object, const char* what, Work&& work) {
  auto begun = std::chrono::steady_clock::now();
  work();
  if (!spdlog::should_log(spdlog::level::debug)) return;
  std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - begun;
  spdlog::debug("step {} {} {:.1f} ms", object, what, took.count());
}

}  // namespace vdc::libvirt
