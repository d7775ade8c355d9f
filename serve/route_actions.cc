// Operator actions on a VDC's controller (sync, suspend, resume), each
// audited whether allowed or not, and the event stream of the VDCs a
// caller may see.
#include "serve/routes.h"

namespace vdc::serve {

Handler vdcAction(Api& api, const std::string& action, void (VdcRunner::*act)(const std::string&)) {
  return [&api, action, act](const Request& req, Response& res) {
    VdcCall call = api.callOn(req, res, Role::Operator, action);
    if (!call) return;
    api.answer(call, res, [&] {
      (call.runner->*act)(call.who.name);
      reply(res, {{"vdc", call.vdc}, {"action", action}, {"accepted", true}}, 202);
    });
  };
}

// Progress as server-sent events, of the VDCs the caller may see.
Handler eventStream(Api& api) {
  return [&api](const Request& req, Response& res) {
    auto principal = api.principalOf(req, res);
    if (!principal) return;
    auto stream = api.events.open();
    if (!stream) {
      res.setHeader("Retry-After", "30");
      return problem(res, 503, "too many event streams are open; try again later");
    }
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("Content-Type", "text/event-stream");
    EventBus& events = api.events;
    res.stream = Response::Stream{[stream, principal]() -> std::optional<std::string> {
                                    auto frame = stream->next(std::chrono::seconds(15));
                                    if (stream->closed()) return std::nullopt;
                                    if (!frame) return ": keepalive\n\n";
                                    // Only the VDCs this caller may see.
                                    if (!frame->vdc.empty() && principal->roleFor(frame->vdc) == Role::None) return "";
                                    return frame->text;
                                  },
                                  std::nullopt, [&events, stream] { events.close(stream); }};
  };
}

}  // namespace vdc::serve
