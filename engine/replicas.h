// Several controllers (vdc watch, vdc serve) running for the same VDCs, on
// different machines for high availability: the live replicas share the
// VDCs out among them, one replica per VDC, and a replica that dies has its
// VDCs taken over by the others once its presence expires. Each reconcile
// still takes the VDC's lock, so two replicas that briefly disagree on who
// owns a VDC never apply it at once (docs/targets.md).
#pragma once

#include <chrono>
#include <string>

namespace vdc {

class Replicas {
 public:
  virtual ~Replicas() = default;
  // This replica's name among them.
  virtual std::string self() const = 0;
  // The live replica that reconciles `vdc` now. Throws Error when the
  // replicas cannot be seen (then nothing may be applied).
  virtual std::string ownerOf(const std::string& vdc) = 0;
  // How often a replica that owns nothing looks again: within this, it
  // notices the VDCs of a replica that died.
  virtual std::chrono::seconds lookEvery() const = 0;
};

}  // namespace vdc
