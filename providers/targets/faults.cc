#include "providers/targets/faults.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace vdc {

namespace {

// How many SIGCONTs the process got; lock-free, so the handler may count.
std::atomic<unsigned> continues{0};
static_assert(std::atomic<unsigned>::is_always_lock_free);
void onContinue(int) { continues.fetch_add(1); }

// Waits until the process gets SIGCONT (every hold in flight then goes on),
// or five minutes passed: a test that died before it sent one leaves no
// writer held for ever. Only the calling thread waits.
void holdUntilContinued(long number) {
  static std::once_flag installed;
  std::call_once(installed, [] {
    struct sigaction action {};
    action.sa_handler = onContinue;
    action.sa_flags = SA_RESTART;  // the other threads' calls go on undisturbed
    sigemptyset(&action.sa_mask);
    sigaction(SIGCONT, &action, nullptr);
  });
  unsigned before = continues.load();
  std::string message = "vdc: held by VDC_FAULT at call " + std::to_string(number) + "\n";
  ssize_t ignored = write(STDERR_FILENO, message.data(), message.size());
  (void)ignored;
  auto until = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (continues.load() == before && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

class FaultyDatacenter;

class FaultyProvider : public Provider {
 public:
  FaultyProvider(Provider& inner, FaultyDatacenter& owner) : inner_(inner), owner_(owner) {}
  std::vector<Kind> kinds() const override { return inner_.kinds(); }
  void read(const std::string& vdc, LiveState& into) override { inner_.read(vdc, into); }
  void create(const Ownership& owner) override;
  void update(const Ownership& owner, const LiveObject& live) override;
  void remove(const std::string& vdc, const LiveObject& live) override;
  void release(const std::string& vdc, const LiveObject& live, const std::vector<ResourceId>& leaving) override;
  void forget(const std::string& vdc, const LiveObject& live) override;
  void rename(const std::string& vdc, const LiveObject& live, const ResourceId& to) override;
  void adopt(const Ownership& owner) override;
  void prepare(const ApplyIntent& intent) override { inner_.prepare(intent); }
  void finish() override { inner_.finish(); }

 private:
  Provider& inner_;
  FaultyDatacenter& owner_;
};

class FaultyDatacenter : public Datacenter {
 public:
  FaultyDatacenter(DatacenterPtr inner, FaultPlan plan) : inner_(std::move(inner)), plan_(plan) {
    limits = inner_->limits;
    locks = inner_->locks;
    for (Provider* p : inner_->providers()) wrapped_.push_back(std::make_unique<FaultyProvider>(*p, *this));
  }
  std::string describe() const override { return inner_->describe(); }
  std::shared_ptr<LockService> ownLocks() const override { return inner_->ownLocks(); }
  std::vector<Provider*> providers() override {
    std::vector<Provider*> out;
    for (auto& p : wrapped_) out.push_back(p.get());
    return out;
  }
  LiveState read(const std::string& vdc) override { return inner_->read(vdc); }
  std::vector<HostInfo> hosts() const override { return inner_->hosts(); }
  void checkFits(const Vdc& desired, Diagnostics& problems) override { inner_->checkFits(desired, problems); }
  std::optional<uint64_t> freeStorage() override { return inner_->freeStorage(); }
  std::optional<DiskContents> diskContents(const std::string& vdc, const LiveObject& disk) override {
    return inner_->diskContents(vdc, disk);
  }
  void readDisk(const std::string& vdc, const LiveObject& disk, const DiskSink& take) override {
    inner_->readDisk(vdc, disk, take);
  }
  void commit() override { inner_->commit(); }
  void keepForCrash() override { inner_->keepForCrash(); }

  // Runs one changing call, after the delay; may fail it or end the process.
  template <typename Call>
  void run(Call call) {
    if (plan_.latencyMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(plan_.latencyMs));
    long number = ++calls_;
    FaultPlan::Mode fault = plan_.at(number);
    if (fault == FaultPlan::Mode::Fail) throw Error("injected failure at provider call " + std::to_string(number));
    if (fault == FaultPlan::Mode::Flake)
      throw Error("injected transient failure at provider call " + std::to_string(number) + " (the connection was lost)",
                  0, true);
    if (fault == FaultPlan::Mode::Kill) die();
    if (fault == FaultPlan::Mode::Hold) holdUntilContinued(number);
    std::shared_lock running(world_);
    if (dying_) {
      running.unlock();
      while (true) std::this_thread::sleep_for(std::chrono::seconds(1));  // the process is about to end
    }
    call();
  }

 private:
  // Like a host, the datacenter keeps every call that was done; the process
  // is gone. Calls in flight finish first so what is kept is a state the
  // datacenter could be in, not a torn copy of one.
  [[noreturn]] void die() {
    dying_ = true;
    std::unique_lock everything(world_);
    inner_->keepForCrash();
    const char message[] = "vdc: killed by VDC_FAULT\n";
    ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
    _exit(137);
  }

  DatacenterPtr inner_;
  FaultPlan plan_;
  std::vector<std::unique_ptr<FaultyProvider>> wrapped_;
  std::atomic<long> calls_{0};
  std::shared_mutex world_;
  std::atomic<bool> dying_{false};
};

void FaultyProvider::create(const Ownership& owner) {
  owner_.run([&] { inner_.create(owner); });
}

void FaultyProvider::adopt(const Ownership& owner) {
  owner_.run([&] { inner_.adopt(owner); });
}

void FaultyProvider::update(const Ownership& owner, const LiveObject& live) {
  owner_.run([&] { inner_.update(owner, live); });
}

void FaultyProvider::release(const std::string& vdc, const LiveObject& live, const std::vector<ResourceId>& leaving) {
  owner_.run([&] { inner_.release(vdc, live, leaving); });
}

void FaultyProvider::forget(const std::string& vdc, const LiveObject& live) {
  owner_.run([&] { inner_.forget(vdc, live); });
}

void FaultyProvider::rename(const std::string& vdc, const LiveObject& live, const ResourceId& to) {
  owner_.run([&] { inner_.rename(vdc, live, to); });
}

void FaultyProvider::remove(const std::string& vdc, const LiveObject& live) {
  owner_.run([&] { inner_.remove(vdc, live); });
}

}  // namespace

FaultPlan FaultPlan::fromEnvironment() {
  FaultPlan plan;
  if (const char* fault = std::getenv("VDC_FAULT"); fault && *fault) {
    std::string text = fault;
    for (size_t start = 0; start <= text.size();) {
      size_t end = std::min(text.find(',', start), text.size());
      std::string one = text.substr(start, end - start);
      auto colon = one.find(':');
      std::string mode = one.substr(0, colon);
      char* stop = nullptr;
      long at = colon == std::string::npos ? 0 : std::strtol(one.c_str() + colon + 1, &stop, 10);
      static const std::map<std::string, Mode> modes = {{"fail", Mode::Fail}, {"flake", Mode::Flake}, {"kill", Mode::Kill}, {"hold", Mode::Hold}};
      auto found = modes.find(mode);
      if (found == modes.end() || at < 1 || !stop || *stop || plan.faults.size() >= 100)
        throw Error("VDC_FAULT must be fail:K, flake:K, kill:K or hold:K with K >= 1, or several of them joined by commas, not '" +
                    text + "'");
      plan.faults[at] = found->second;
      start = end + 1;
    }
  }
  if (const char* latency = std::getenv("VDC_LATENCY_MS"); latency && *latency) {
    char* end = nullptr;
    long ms = std::strtol(latency, &end, 10);
    if (ms < 0 || ms > 60000 || *end) throw Error("VDC_LATENCY_MS must be 0 to 60000");
    plan.latencyMs = static_cast<int>(ms);
  }
  return plan;
}

DatacenterPtr withFaults(DatacenterPtr inner, const FaultPlan& plan) {
  if (!plan.active()) return inner;
  return std::make_unique<FaultyDatacenter>(std::move(inner), plan);
}

}  // namespace vdc
