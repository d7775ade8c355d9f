#include "providers/libvirt/host_lock.h"

#include <algorithm>

#include "providers/libvirt/api/xml.h"
#include "providers/libvirt/ownership.h"

namespace vdc::libvirt {

class HostLocks::Connection {
 public:
  explicit Connection(std::string uri) : uri_(std::move(uri)) {}
  virConnectPtr get() {
    std::lock_guard lock(mutex_);
    if (handle_ && virConnectIsAlive(handle_.get()) != 1) handle_.reset();
    if (!handle_) handle_.reset(virConnectOpen(uri_.c_str()));
    if (!handle_) throw libvirtError("cannot connect to " + uri_ + " to take the VDC's lock");
    return handle_.get();
  }
  const std::string& uri() const { return uri_; }

 private:
  std::string uri_;
  std::mutex mutex_;
  ConnectionHandle handle_;
};

namespace {

using Clock = std::chrono::system_clock;

uint64_t millisecondsNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

// The lock as the host holds it; anyone with access to the host may have
// written it, so every field is checked.
struct LockRecord {
  std::string uuid, holder;
  uint64_t token = 0, expires = 0;  // expires: milliseconds since the epoch
};

std::optional<uint64_t> digits(const std::optional<std::string>& text) {
  if (!text || text->empty() || text->size() > 19 || !std::all_of(text->begin(), text->end(), ::isdigit))
    return std::nullopt;
  return std::stoull(*text);
}

// The one field of a network that libvirt 9.0 can change in place
// (virNetworkUpdate) and that holds a number: a portgroup's bandwidth. The
// network is never started, so no guest ever meets this figure.
constexpr const char* kLeasePortgroup = "vdc-lease";

std::string expiryXml(uint64_t expires) {
  return std::string("<portgroup name='") + kLeasePortgroup + "'><bandwidth><inbound average='" +
         std::to_string(expires) + "'/></bandwidth></portgroup>";
}

// What the lock says; none when the network is no lock. `gone` is set when
// it was undefined since it was looked up (another taker was quicker).
std::optional<LockRecord> readRecord(virNetworkPtr network, const std::string& vdc, bool& gone) {
  std::string definition;
  try {
    definition = networkDefinition(network);
  } catch (const Error& e) {
    if (!isNotFound(e.code())) throw;
    gone = true;
    return std::nullopt;
  }
  XmlDocument doc(definition, "the lock of VDC " + vdc);
  auto found = doc.nodes("metadata/vdc:lock");
  auto expiry = doc.nodes("portgroup[@name='" + std::string(kLeasePortgroup) + "']/bandwidth/inbound");
  if (found.empty()) return std::nullopt;
  LockRecord record;
  auto token = digits(XmlDocument::attribute(found.front(), "token"));
  // A lock left by an earlier vdc kept its expiry in the metadata.
  auto expires = digits(expiry.empty() ? XmlDocument::attribute(found.front(), "expires")
                                       : XmlDocument::attribute(expiry.front(), "average"));
  if (!token || !expires) return std::nullopt;
  record.token = *token;
  record.expires = *expires;
  record.holder = XmlDocument::attribute(found.front(), "holder").value_or("");
  record.uuid = doc.text("uuid").value_or("");
  return record;
}

// Forwarded to a bridge, libvirt checks no other network's bridge name when
// it defines the lock, so taking it does not wait for each of them.
std::string recordXml(const std::string& vdc, const LockRecord& record) {
  std::string xml = "<network><name>" + xmlEscape(lockName(vdc)) + "</name>";
  if (!record.uuid.empty()) xml += "<uuid>" + xmlEscape(record.uuid) + "</uuid>";
  xml += "<forward mode='bridge'/><bridge name='" + networkBridgeName(vdc, "_lock") + "'/>";
  xml += expiryXml(record.expires);
  xml += "<metadata><vdc:lock xmlns:vdc=\"" + std::string(kOwnershipNamespace) + "\" token=\"" +
         std::to_string(record.token) + "\" holder=\"" + xmlEscape(record.holder) + "\"/></metadata></network>";
  return xml;
}

class HostLease : public RenewedLease {
 public:
  HostLease(std::shared_ptr<HostLocks::Connection> connection, std::string vdc, LockRecord record,
            std::chrono::milliseconds duration, std::chrono::steady_clock::time_point acquiredAt)
      : RenewedLease({"host", record.token}, duration, acquiredAt),
        connection_(std::move(connection)),
        vdc_(std::move(vdc)),
        record_(std::move(record)) {
    startRenewing();
  }

  ~HostLease() override {
    stopRenewing();
    // Released only while it is still this holder's: never another's.
    try {
      if (NetworkHandle mine = ours()) virNetworkUndefine(mine.get());
    } catch (...) { /* unreachable host: the lease expires */ }
  }

 private:
  // The lock network, if it is still the one this holder defined.
  NetworkHandle ours() {
    auto network = lookupOrNull<NetworkHandle>(virNetworkLookupByUUIDString(connection_->get(), record_.uuid.c_str()),
                                               "the lock of VDC " + vdc_);
    if (!network) return nullptr;
    bool gone = false;
    auto now = readRecord(network.get(), vdc_, gone);
    if (!now || now->token != record_.token) return nullptr;
    return network;
  }

  bool renew() override {
    NetworkHandle network = ours();
    if (!network) return false;
    std::string expiry = expiryXml(millisecondsNow() + duration().count());
    if (virNetworkUpdate(network.get(), VIR_NETWORK_UPDATE_COMMAND_MODIFY, VIR_NETWORK_SECTION_PORTGROUP, -1,
                         expiry.c_str(), VIR_NETWORK_UPDATE_AFFECT_CONFIG) != 0) {
      // Undefined between the look and the write: another taker has it.
      if (!ours()) return false;
      throw libvirtError("cannot renew the lock of VDC " + vdc_);
    }
    return true;
  }

  std::shared_ptr<HostLocks::Connection> connection_;
  std::string vdc_;
  LockRecord record_;
};

}  // namespace

HostLocks::HostLocks(std::string uri, std::chrono::milliseconds lease)
    : uri_(std::move(uri)), lease_(lease), connection_(std::make_shared<Connection>(uri_)) {}

LeasePtr HostLocks::tryAcquire(const std::string& vdc, const std::string& purpose, std::string& holder) {
  std::string name = lockName(vdc);
  // Each pass either takes the lock, finds it held, or lost a race to
  // another taker and looks again.
  for (int pass = 0; pass < 5; ++pass) {
    auto began = std::chrono::steady_clock::now();
    virConnectPtr host = connection_->get();
    auto existing =
        lookupOrNull<NetworkHandle>(virNetworkLookupByName(host, name.c_str()), "the lock of VDC " + vdc + " on " + uri_);
    uint64_t previous = 0;
    if (existing) {
      bool gone = false;
      auto record = readRecord(existing.get(), vdc, gone);
      if (gone) continue;
      if (!record)
        throw Error("network '" + name + "' on " + uri_ + " is not a vdc lock; it is in the way of VDC " + vdc);
      if (record->expires > millisecondsNow()) {
        holder = shownHolder(record->holder);
        return nullptr;
      }
      // Expired: only this very network may go. If another taker was
      // first, it is gone already and the undefine fails.
      if (virNetworkUndefine(existing.get()) < 0) continue;
      previous = record->token;
    }
    LockRecord record{"", holderText(purpose), nextToken(previous), millisecondsNow() + lease_.count()};
    NetworkHandle taken(virNetworkDefineXML(host, recordXml(vdc, record).c_str()));
    if (!taken) continue;  // another taker defined it first
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virNetworkGetUUIDString(taken.get(), uuid) != 0) throw libvirtError("cannot read the lock of VDC " + vdc);
    record.uuid = uuid;
    return std::make_unique<HostLease>(connection_, vdc, std::move(record), lease_, began);
  }
  holder = "another vdc process (the lock changed hands while this one looked)";
  return nullptr;
}

}  // namespace vdc::libvirt
