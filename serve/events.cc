#include "serve/events.h"

#include "engine/plan.h"
#include "engine/units.h"

namespace vdc::serve {

void EventBus::publish(const Json& event) {
  std::string type = event.value("type", "event");
  std::lock_guard lock(mutex_);
  Frame frame{event.value("vdc", ""),
              "id: " + std::to_string(nextId_++) + "\nevent: " + type + "\ndata: " + event.dump() + "\n\n"};
  for (auto& stream : streams_) {
    if (stream->queue_.size() == kQueued) stream->queue_.pop_front();
    stream->queue_.push_back(frame);
  }
  arrived_.notify_all();
}

std::shared_ptr<EventBus::Stream> EventBus::open() {
  std::lock_guard lock(mutex_);
  if (shutdown_ || streams_.size() >= maxStreams_) return nullptr;
  auto stream = std::make_shared<Stream>();
  stream->bus_ = this;
  streams_.push_back(stream);
  return stream;
}

void EventBus::close(const std::shared_ptr<Stream>& stream) {
  std::lock_guard lock(mutex_);
  streams_.remove(stream);
}

void EventBus::shutdown() {
  std::lock_guard lock(mutex_);
  shutdown_ = true;
  arrived_.notify_all();
}

bool EventBus::Stream::closed() const {
  std::lock_guard lock(bus_->mutex_);
  return bus_->shutdown_;
}

std::optional<EventBus::Frame> EventBus::Stream::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(bus_->mutex_);
  bus_->arrived_.wait_for(lock, timeout, [&] { return bus_->shutdown_ || !queue_.empty(); });
  if (queue_.empty() || bus_->shutdown_) return std::nullopt;
  Frame frame = std::move(queue_.front());
  queue_.pop_front();
  return frame;
}

void ApplyEvents::begun(size_t operations) {
  bus_.publish({{"type", "apply"}, {"vdc", vdc_}, {"time", utcNow()}, {"operations", operations}});
}

void ApplyEvents::started(const ResourceId& id, Action action, Step step) {
  bus_.publish({{"type", "operation"}, {"vdc", vdc_}, {"time", utcNow()}, {"address", id.str()},
                {"action", std::string(actionName(action))}, {"phase", "started"},
                {"step", std::string(stepName(step))}});
}

void ApplyEvents::finished(const Outcome& outcome) {
  bus_.publish({{"type", "operation"}, {"vdc", vdc_}, {"time", utcNow()}, {"address", outcome.id.str()},
                {"action", std::string(actionName(outcome.action))}, {"phase", "finished"},
                {"step", std::string(stepName(outcome.step))}, {"result", scrub_(describeOutcome(outcome))},
                {"seconds", outcome.seconds}});
}

}  // namespace vdc::serve
