// The server's event stream (GET /api/v1/events, server-sent events): each
// operation as it starts and ends and each change of a VDC's status, fanned
// out to every open stream. A stream that does not keep up loses its oldest
// events, never slows the VDCs down; at most `maxStreams` are open at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "engine/apply.h"
#include "engine/model.h"

namespace vdc::serve {

class EventBus {
 public:
  explicit EventBus(size_t maxStreams) : maxStreams_(maxStreams) {}

  struct Frame {
    std::string vdc;   // the VDC it is about ("" for none)
    std::string text;  // one SSE frame: "id: N\nevent: TYPE\ndata: {...}\n\n"
  };

  class Stream {
   public:
    // The next event, or none when `timeout` passes first or the bus closes.
    std::optional<Frame> next(std::chrono::milliseconds timeout);
    bool closed() const;

   private:
    friend class EventBus;
    EventBus* bus_ = nullptr;
    std::deque<Frame> queue_;
  };

  void publish(const Json& event);
  // A stream of the events from now on; none when maxStreams are open.
  std::shared_ptr<Stream> open();
  void close(const std::shared_ptr<Stream>& stream);
  // Ends every stream (the server is stopping).
  void shutdown();

 private:
  static constexpr size_t kQueued = 1000;
  size_t maxStreams_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::list<std::shared_ptr<Stream>> streams_;
  uint64_t nextId_ = 1;
  bool shutdown_ = false;
};

// Each operation of an apply as it starts and as it ends, as `operation`
// events of one VDC: {type, vdc, time, address, action, phase, result, seconds}.
class ApplyEvents : public ApplyObserver {
 public:
  // `scrub` takes out of each event what viewers may not read (VdcRunner::withoutServerPaths).
  ApplyEvents(std::string vdc, EventBus& bus, std::function<Json(Json)> scrub)
      : vdc_(std::move(vdc)), bus_(bus), scrub_(std::move(scrub)) {}
  void begun(size_t operations) override;
  void started(const ResourceId& id, Action action, Step step) override;
  void finished(const Outcome& outcome) override;

 private:
  std::string vdc_;
  EventBus& bus_;
  std::function<Json(Json)> scrub_;
};

}  // namespace vdc::serve
