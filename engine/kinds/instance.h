// Instance: a virtual machine (kvm, qemu) or a container (lxc), with NICs
// on networks, volumes, key pairs and cloud-init user data; `replicas`
// makes several of one manifest.
#pragma once

#include <cstdint>
#include <string>

#include "engine/model.h"
#include "engine/units.h"

namespace vdc {

inline constexpr const char* kDefaultHypervisor = "kvm";
inline constexpr const char* kDefaultMemory = "512MiB";
inline constexpr const char* kDefaultState = "running";  // of Instances and LoadBalancers

// An Instance's spec as providers and planning read it, with the kind's defaults.
class InstanceSpec {
 public:
  explicit InstanceSpec(const Json& spec) : spec_(spec) {}
  std::string hypervisor() const { return spec_.value("hypervisor", kDefaultHypervisor); }
  bool container() const { return hypervisor() == "lxc"; }
  long cpus() const { return spec_.value("cpus", 1L); }
  // Bytes; 0 when the spec's memory is not a size (the loader refuses such a spec).
  uint64_t memory() const { return parseSize(spec_.value("memory", kDefaultMemory)).value_or(0); }
  long replicas() const { return spec_.value("replicas", 1L); }
  bool running() const { return spec_.value("state", kDefaultState) == std::string(kDefaultState); }
  // How long a stop waits for the guest to shut down before it is forced;
  // none: forced at once.
  std::optional<std::chrono::seconds> shutdownTimeout() const {
    return parseDuration(spec_.value("shutdownTimeout", ""));
  }

 private:
  const Json& spec_;
};

}  // namespace vdc
