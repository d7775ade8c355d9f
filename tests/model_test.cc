// A model-based test of the change model (docs/model.md): random sequences
// of edits to a VDC (fields of every kind, replicas, storage classes and
// images, renames, a key pair's new key, references added and removed,
// --replace), objects deleted by hand between applies, and faults injected
// into applies, plain and atomic. After each apply a checker that reads the
// embedded datacenter's file, not vdc's view of it, asserts that every
// reference resolves, that nothing is shared that must not be (a volume, an
// address, a MAC), that the objects are those the manifests ask for, that
// every guest naming the key pair carries its current key, and that the
// next plan is a no-op; an atomic apply that failed leaves the datacenter
// as it was, and a protected volume is never replaced. A failing sequence is shrunk to a
// minimal one and written out to be kept in tests/model-regressions/, whose
// files are replayed first.
//
// VDC_MODEL_SEED and VDC_MODEL_STEPS choose the run (default: a fixed seed,
// a few hundred steps); VDC_MODEL_SECONDS runs fresh seeds for that long.
// With VDC_MODEL_URI (scripts/e2e.sh sets it), a shorter sequence runs on
// that real libvirtd too, read and damaged through virsh (model/place.h).
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>

#include "engine/policy.h"
#include "engine/render.h"
#include "engine/test_support.h"
#include "operations/applying.h"
#include "operations/failure.h"
#include "operations/planning.h"
#include "tests/model/checker.h"
#include "tests/model/place.h"
#include "tests/model/world.h"

namespace vdc::testing {

namespace {

namespace fs = std::filesystem;
using operations::Failure;
using namespace model;

// One step of a sequence: an edit (or a hand change, or a --replace) and how it is applied.
struct Step {
  int op = 0;
  uint32_t seed = 0;
};

class Model : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = fs::current_path(); }
  void TearDown() override { fs::current_path(previous_); }

  // Runs `steps` from an empty datacenter; the first failure, or "".
  std::string run(const std::vector<Step>& steps) {
    TempDir dir;
    fs::current_path(dir.path());  // the embedded datacenter is .vdc/sim.xml here
    place_.begin();
    World world;
    world.realHost = place_.real();
    was_ = world;
    world.networks = {{"n0", 10}, {"n1", 11}};
    world.volumes = {{"keep", {1, "standard", false, true}}};
    world.instances["i0"] = {1, true, true, 1, {{"n0", {"g0"}}}, {"keep"}, true};
    world.balancerNetwork = "n0";
    // Nothing of the sequence before carries over (its last apply may have been refused).
    replace_ = refused_ = handDamaged_ = false;
    std::string failure = applyWorld(world, std::nullopt);
    for (size_t s = 0; s < steps.size() && failure.empty(); ++s) {
      std::mt19937 rng(steps[s].seed);
      world.renamed();
      World was = world;
      std::string did = perform(steps[s].op, world, rng);
      refused_ = false;
      handDamaged_ = did.starts_with("by hand");
      if (std::getenv("VDC_MODEL_VERBOSE")) std::cerr << "step " << s << ": " << did << "\n";
      stepLog_.clear();
      failure = applyWorld(world, rng);
      if (refused_) world = was;  // the protected volume stays: so does the edit that would replace it
      if (failure.empty()) world.settle(check(place_.snapshot()).objects);
      // What the step planned and what failed in it: a failure that a
      // replay does not repeat (an order of parallel operations) is still
      // seen in the log.
      if (!failure.empty()) failure = "step " + std::to_string(s) + " (" + did + "): " + failure + "\n" + stepLog_;
    }
    fs::current_path(previous_);
    return failure;
  }

  static constexpr int kOps = 17;
  // The real host's sequences (OnARealHost...): between them, every kind of step.
  static inline const std::vector<uint32_t> kRealHostSeeds = {20261307, 20261321};
  static constexpr int kRealHostSteps = 16;

  // Edits `world` (or the datacenter by hand); what it did.
  std::string perform(int op, World& w, std::mt19937& rng) {
    auto pick = [&](const auto& map) {
      auto it = map.begin();
      std::advance(it, std::uniform_int_distribution<size_t>(0, map.size() - 1)(rng));
      return it->first;
    };
    auto coin = [&] { return std::uniform_int_distribution<int>(0, 1)(rng) == 1; };
    switch (op) {
      case 0: {  // a field that restarts, and the state
        if (w.instances.empty()) return "nothing";
        auto& i = w.instances[pick(w.instances)];
        i.cpus = i.cpus % 3 + 1;
        if (coin()) i.running = !i.running;
        return "cpus and state";
      }
      case 1: {  // a volume to another class: a replace the instance follows
        if (w.volumes.empty()) return "nothing";
        std::string v = pick(w.volumes);
        w.volumes[v].storageClass = w.volumes[v].storageClass == "standard" ? "fast" : "standard";
        return "storage class of " + v;
      }
      case 2: {  // grow or shrink
        if (w.volumes.empty()) return "nothing";
        std::string v = pick(w.volumes);
        w.volumes[v].gib = coin() ? w.volumes[v].gib + 1 : std::max(1, w.volumes[v].gib - 1);
        return "size of " + v;
      }
      case 3: {  // made of the image or not
        if (w.volumes.empty()) return "nothing";
        std::string v = pick(w.volumes);
        w.volumes[v].fromImage = !w.volumes[v].fromImage;
        return "image of " + v;
      }
      case 4: {  // a network on another subnet: NICs follow
        std::string n = pick(w.networks);
        int octet = 20;
        for (bool taken = true; taken;) {
          octet = std::uniform_int_distribution<int>(12, 60)(rng);
          taken = false;
          for (const auto& [name, o] : w.networks) taken = taken || o == octet;
        }
        w.networks[n] = octet;
        return "cidr of " + n;
      }
      case 5:  // the image anew: every disk made of it follows
        w.imageFormat = w.imageFormat == "qcow2" ? "raw" : "qcow2";
        return "image format";
      case 6: {  // attach a free volume, or detach one
        if (w.instances.empty()) return "nothing";
        std::string name = pick(w.instances);
        auto& i = w.instances[name];
        if (!i.volumes.empty() && coin()) {
          i.volumes.pop_back();
          return "detach from " + name;
        }
        if (i.replicas > 1) return "nothing";
        for (const auto& [v, model] : w.volumes)
          if (!w.attached(v)) {
            i.volumes.push_back(v);
            return "attach " + v + " to " + name;
          }
        return "nothing";
      }
      case 7: {  // a new instance
        InstanceModel i;
        i.image = coin();
        i.nics = {{pick(w.networks), {}}};
        i.web = coin();
        w.instances[w.fresh("i")] = i;
        return "new instance";
      }
      case 8: {  // an instance goes, or is renamed (its volumes and all), saying so or not
        if (w.instances.empty()) return "nothing";
        std::string name = pick(w.instances);
        InstanceModel i = w.instances[name];
        w.instances.erase(name);
        if (coin()) return "delete " + name;
        bool said = i.replicas == 1 && coin();
        i.renamedFrom = said ? name : "";
        i.kept = said ? (i.kept.empty() ? name : i.kept) : "";
        std::string to = w.fresh("i");
        if (said && to == name) to = w.fresh("i");  // the first fresh name is the first instance's
        w.instances[to] = i;
        return (said ? "rename (vdc/renamed-from) " : "rename ") + name;
      }
      case 9: {  // a NIC added or removed, a group on or off
        if (w.instances.empty()) return "nothing";
        auto& i = w.instances[pick(w.instances)];
        int what = std::uniform_int_distribution<int>(0, 2)(rng);
        if (what == 0 && i.nics.size() < 3) i.nics.push_back({pick(w.networks), {}});
        else if (what == 1 && i.nics.size() > 1) i.nics.pop_back();
        else if (!i.nics.empty()) {
          auto& groups = i.nics.front().second;
          if (groups.empty()) groups.push_back(coin() ? "g0" : "g1");
          else groups.clear();
        }
        return "interfaces";
      }
      case 10: {  // replicas up or down
        if (w.instances.empty()) return "nothing";
        auto& i = w.instances[pick(w.instances)];
        if (!i.volumes.empty()) return "nothing";
        i.replicas = std::uniform_int_distribution<int>(1, 3)(rng);
        if (i.replicas != 1) i.kept.clear();  // its replicas are made under names of their own
        return "replicas";
      }
      case 11: {  // a volume added, a free one deleted, or one renamed
        std::string v = pick(w.volumes);
        if (!w.attached(v) && !w.volumes[v].protect && coin()) {
          w.volumes.erase(v);
          return "delete " + v;
        }
        if (coin()) {
          VolumeModel renamed = w.volumes[v];
          renamed.renamedFrom = v;
          renamed.kept = renamed.kept.empty() ? v : renamed.kept;
          w.volumes.erase(v);
          std::string name = w.fresh("v");
          w.volumes[name] = renamed;
          for (auto& [n, i] : w.instances) std::replace(i.volumes.begin(), i.volumes.end(), v, name);
          return "rename (vdc/renamed-from) " + v;
        }
        w.volumes[w.fresh("v")] = {1, coin() ? "fast" : "standard", coin(), false};
        return "new volume";
      }
      case 12: {  // a network added or an unused one deleted, the load balancer moved
        std::string n = pick(w.networks);
        bool used = w.balancerNetwork == n;
        for (const auto& [name, i] : w.instances)
          for (const auto& nic : i.nics) used = used || nic.first == n;
        if (!used && w.networks.size() > 1) {
          w.networks.erase(n);
          return "delete " + n;
        }
        if (coin()) {
          w.balancerNetwork = w.balancerNetwork.empty() ? n : "";
          return "load balancer";
        }
        int octet = 70 + w.nextName % 50;
        w.networks[w.fresh("n")] = octet;
        return "new network";
      }
      case 13:
        return place_.deleteByHand(rng, "domain");
      case 14:
        return place_.deleteByHand(rng, coin() ? "network" : "volume");
      case 15:
        replace_ = true;  // the next apply replaces one resource as --replace asks
        return "--replace";
      case 16: {  // a new key, or an instance takes or drops the key pair
        if (w.instances.empty() || coin()) {
          w.key = (w.key + 1) % std::size(kKeys);
          return "new key";
        }
        std::string name = pick(w.instances);
        w.instances[name].key = !w.instances[name].key;
        return "key pair of " + name;
      }
    }
    return "?";
  }

  // Plans and applies `world` (a fault or an atomic apply as `rng` says),
  // then converges and checks. "" when all held.
  std::string applyWorld(const World& world, std::optional<std::mt19937> rng) {
    writeFile("vdc/vdc.yaml", world.yaml());
    std::string before = place_.snapshot();
    int roll = rng ? std::uniform_int_distribution<int>(0, 9)(*rng) : 9;
    bool atomic = roll < 2, faulty = roll < 4;
    int call = rng ? std::uniform_int_distribution<int>(1, 4)(*rng) : 1;
    if (faulty) setenv("VDC_FAULT", ("fail:" + std::to_string(call)).c_str(), 1);
    try {
      operations::PlanRequest request{"vdc", place_.target(), false, "model test"};
      if (replace_ && rng) {
        replace_ = false;
        std::vector<std::string> names = {"Network/n0", "Image/base", "SecurityGroup/g0", "LoadBalancer/front"};
        for (const auto& [name, i] : world.instances) names.push_back("Instance/" + name);
        for (const auto& [name, v] : world.volumes) names.push_back("Volume/" + name);
        request.replace = {names[std::uniform_int_distribution<size_t>(0, names.size() - 1)(*rng)]};
        if ((request.replace[0] == "Network/n0" && !world.networks.count("n0")) ||
            (request.replace[0] == "LoadBalancer/front" && world.balancerNetwork.empty()))
          request.replace.clear();
      }
      operations::Prepared prepared = operations::prepare(request);
      // As vdc apply runs it. One operation at a time under a fault: the call
      // it fails at is the same on every run, so a failure shrinks.
      ApplyOptions options = operations::applyOptions(
          prepared, {.parallelism = faulty ? 1 : 10, .atomic = atomic, .allowIrreversible = true});
      if (std::getenv("VDC_MODEL_VERBOSE"))
        std::cerr << (atomic ? "  atomic" : "  plain") << (faulty ? " fail:" + std::to_string(call) : "") << "\n"
                  << renderPlan(prepared.plan);
      if (!protectedChanges(prepared.plan).empty()) {
        // The protected volume: the apply refuses, and nothing changes.
        unsetenv("VDC_FAULT");
        refused_ = true;
        try {
          operations::execute(prepared.plan, *prepared.datacenter, prepared.live, options);
          return "a plan that replaces the protected volume was applied";
        } catch (const Failure&) {
        }
        if (!place_.same(place_.snapshot(), before)) return "a refused apply changed the datacenter";
      }
      note(atomic ? "atomic" : "plain", faulty ? call : 0, prepared.plan);
      ApplyReport report;
      if (!refused_) report = operations::execute(prepared.plan, *prepared.datacenter, prepared.live, options);
      note(report);
      unsetenv("VDC_FAULT");
      if (atomic && !report.ok()) {
        if (!report.rolledBack) {
          std::string why;
          for (const auto& o : report.rollback)
            if (o.status == Status::Failed) why += "; undoing " + o.id.str() + ": " + o.error;
          return "an atomic apply that failed was not rolled back" + why;
        }
        // As it was; what was deleted by hand and made again by the apply may stay made.
        Seen after = check(place_.snapshot()), was = check(before);
        std::set<std::string> allowed = was.objects, repaired = handDamaged_ ? was_.expected() : std::set<std::string>{};
        allowed.insert(repaired.begin(), repaired.end());
        // A renamed resource the apply deleted or replaced is made again
        // under its own name, in place of, never beside, the one it kept.
        auto ownNames = was_.ownNames();
        for (const auto& [kept, own] : ownNames)
          if (!after.objects.count(kept)) allowed.insert(own);
        for (const auto& o : was.objects) {
          auto own = ownNames.find(o);
          if (!after.objects.count(o) && !(own != ownNames.end() && after.objects.count(own->second)))
            return "an atomic apply that failed left " + o + " gone";
        }
        for (const auto& o : after.objects)
          if (!allowed.count(o)) return "an atomic apply that failed left " + o + " made";
        // A guest the apply restarted with the new key is restarted with the old one.
        for (const auto& [domain, key] : after.keys)
          if (was.objects.count("domain " + domain) && was.keys[domain] != key)
            return "an atomic apply that failed left " + domain + " with key " + key;
        // A reference that no longer resolves may stay only where a hand change broke it before.
        for (const auto& problem : after.problems)
          if (std::find(was.problems.begin(), was.problems.end(), problem) == was.problems.end())
            return "an atomic apply that failed left " + problem;
      }
    } catch (const std::exception& e) {
      unsetenv("VDC_FAULT");
      auto* failure = dynamic_cast<const Failure*>(&e);
      return std::string("threw: ") + e.what() + (failure ? "\n" + failure->problems().str() : "");
    }
    if (refused_) {
      writeFile("vdc/vdc.yaml", was_.yaml());
      return converge(was_);
    }
    was_ = world;
    return converge(world);
  }

  // One plain apply, then: the next plan is a no-op and the datacenter is what the world asks.
  std::string converge(const World& world) {
    try {
      operations::PlanRequest request{"vdc", place_.target(), false, "model test"};
      {
        operations::Prepared prepared = operations::prepare(request);
        ApplyOptions options;
        options.allowIrreversible = true;
        if (!protectedChanges(prepared.plan).empty()) return "converging would replace the protected volume";
        note("converging", 0, prepared.plan);
        ApplyReport report = operations::execute(prepared.plan, *prepared.datacenter, prepared.live, options);
        note(report);
        if (!report.ok()) return "a clean apply failed: " + describeOutcome(report.outcomes.front());
      }
      operations::Prepared again = operations::prepare({"vdc", place_.target(), false, ""});
      if (!again.plan.empty()) return "the plan after an apply is not a no-op:\n" + again.plan.toJson()["changes"].dump();
    } catch (const std::exception& e) {
      return std::string("converging threw: ") + e.what();
    }
    Seen seen = check(place_.snapshot());
    if (!seen.problems.empty()) return seen.problems.front();
    World settled = world;
    settled.settle(seen.objects);
    std::set<std::string> expected = settled.expected();
    if (seen.objects != expected) {
      std::string diff;
      for (const auto& o : seen.objects)
        if (!expected.count(o)) diff += "\n  there, not asked: " + o;
      for (const auto& o : expected)
        if (!seen.objects.count(o)) diff += "\n  asked, not there: " + o;
      return "the datacenter is not what the manifests ask:" + diff;
    }
    // Every guest that names the key pair carries its key (a seed made of it), and no other.
    for (const auto& [domain, i] : settled.domains()) {
      std::string want = i->key ? kKeys[settled.key].second : "(none)";
      auto carried = seen.keys.find("model." + domain);
      std::string has = carried == seen.keys.end() ? "(none)" : carried->second;
      if (has != want) return "domain model." + domain + " carries key " + has + ", not " + want;
    }
    return "";
  }

  // Removes steps while the failure stays: a minimal sequence that fails.
  std::vector<Step> shrink(std::vector<Step> steps) {
    for (size_t i = 0; i < steps.size();) {
      std::vector<Step> fewer = steps;
      fewer.erase(fewer.begin() + static_cast<long>(i));
      if (!run(fewer).empty()) steps = std::move(fewer);
      else ++i;
    }
    return steps;
  }

  void runAndShrink(const std::vector<Step>& steps, const std::string& what) {
    std::string failure = run(steps);
    if (failure.empty()) return;
    std::vector<Step> minimal = shrink(steps);
    ADD_FAILURE() << what << ": " << failure << "\nshrunk to " << minimal.size() << " steps: " << run(minimal)
                  << "\nkept in " << keep(minimal) << ": copy it into tests/model-regressions/ with its fix";
  }

  // Writes `steps` where a regression case is taken from; the file.
  std::string keep(const std::vector<Step>& steps) const {
    Json kept = Json::array();
    for (const auto& s : steps) kept.push_back({{"op", s.op}, {"seed", s.seed}});
    fs::path out = previous_ / "model-failure.json";
    std::ofstream(out) << kept.dump(1) << "\n";
    return out.string();
  }

  static std::vector<Step> randomSteps(uint32_t seed, int count) {
    std::mt19937 rng(seed);
    std::vector<Step> steps;
    for (int i = 0; i < count; ++i)
      steps.push_back({std::uniform_int_distribution<int>(0, kOps - 1)(rng), static_cast<uint32_t>(rng())});
    return steps;
  }

  static long fromEnvironment(const char* name, long otherwise) {
    const char* text = std::getenv(name);
    return text && *text ? std::strtol(text, nullptr, 10) : otherwise;
  }

  void note(const std::string& how, int failingCall, const Plan& plan) {
    stepLog_ += "  " + how + (failingCall ? " fail:" + std::to_string(failingCall) : "") + "\n" + renderPlan(plan);
  }
  void note(const ApplyReport& report) {
    for (const auto& outcome : report.outcomes)
      if (outcome.status == Status::Failed) stepLog_ += "  failed: " + describeOutcome(outcome) + "\n";
  }

  fs::path previous_;
  Place place_{""};       // the embedded datacenter, or a real host
  std::string stepLog_;   // the plans of the step under way, and what failed in them
  bool replace_ = false;  // the next apply replaces a resource (--replace)
  bool refused_ = false;  // the last apply was refused: it would replace the protected volume
  World was_;             // the world as last applied
  bool handDamaged_ = false;  // this step deleted something by hand
};

}  // namespace

TEST_F(Model, TheRegressionsKeptStayFixed) {
  fs::path kept = fs::path(VDC_SOURCE_DIR) / "tests" / "model-regressions";
  size_t replayed = 0;
  for (const auto& file : fs::directory_iterator(kept)) {
    Json steps = Json::parse(readFile(file.path()));
    std::vector<Step> sequence;
    for (const auto& s : steps) sequence.push_back({s.at("op").get<int>(), s.at("seed").get<uint32_t>()});
    EXPECT_EQ(run(sequence), "") << file.path();
    ++replayed;
  }
  EXPECT_GT(replayed, 0u);
}

// A sequence begins from nothing, whatever the one before ended in: here
// an apply refused (the protected volume to another storage class), after
// which the next sequence's first apply was once skipped as refused too.
TEST_F(Model, ASequenceStartsAfreshWhateverTheLastOneEndedIn) {
  ASSERT_EQ(run({{1, 1}}), "");
  EXPECT_TRUE(refused_) << "the first sequence was to end in a refusal";
  EXPECT_EQ(run({{11, 1528534822}}), "");
}

TEST_F(Model, RandomEditsHandChangesAndFaultsAlwaysConverge) {
  auto seed = static_cast<uint32_t>(fromEnvironment("VDC_MODEL_SEED", 20261207));
  int steps = static_cast<int>(fromEnvironment("VDC_MODEL_STEPS", 100));
  // A few sequences rather than one long one: a failure shrinks faster.
  for (int sequence = 0; sequence < 4; ++sequence)
    runAndShrink(randomSteps(seed + sequence, steps), "seed " + std::to_string(seed + sequence));
  long seconds = fromEnvironment("VDC_MODEL_SECONDS", 0);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::random_device fresh;
  while (!HasFailure() && std::chrono::steady_clock::now() < until) {
    uint32_t s = fresh();
    runAndShrink(randomSteps(s, steps), "seed " + std::to_string(s));
  }
}

// The real host's sequences draw every kind of step between them.
TEST_F(Model, TheRealHostsSequencesHoldEveryKindOfStep) {
  std::set<int> drawn;
  for (uint32_t seed : kRealHostSeeds)
    for (const auto& step : randomSteps(seed, kRealHostSteps)) drawn.insert(step.op);
  EXPECT_EQ(drawn.size(), static_cast<size_t>(kOps));
}

// The same edits on a real libvirtd (scripts/e2e.sh sets VDC_MODEL_URI),
// one shorter sequence: what the embedded datacenter does not show holds
// there too (a machine's seed, an appliance's own disks, networks and NIC
// filters the host makes, volumes in real pools, hand changes through
// virsh). Each step costs the host seconds, so a failure is kept as it is,
// not shrunk: its file replays on the embedded datacenter too.
TEST_F(Model, OnARealHostTheSameEditsConverge) {
  const char* uri = std::getenv("VDC_MODEL_URI");
  if (!uri || !*uri) GTEST_SKIP() << "VDC_MODEL_URI is not set: scripts/e2e.sh runs this on a real libvirtd";
  place_ = Place(uri);
  std::vector<uint32_t> seeds = kRealHostSeeds;
  if (long seed = fromEnvironment("VDC_MODEL_SEED", 0)) seeds = {static_cast<uint32_t>(seed)};
  for (uint32_t seed : seeds) {
    std::vector<Step> steps = randomSteps(seed, static_cast<int>(fromEnvironment("VDC_MODEL_STEPS", kRealHostSteps)));
    std::string failure = run(steps);
    place_.wipe();
    if (!failure.empty()) ADD_FAILURE() << "seed " << seed << ": " << failure << "\nkept in " << keep(steps);
  }
}

}  // namespace vdc::testing
