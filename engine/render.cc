#include "engine/render.h"

#include <algorithm>

#include "engine/atomic.h"
#include "engine/conflicts.h"
#include "engine/follow.h"
#include "engine/policy.h"
#include "engine/rename.h"
#include "base/text.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

namespace {

std::string value(const Json& v) { return v.is_null() ? "(none)" : v.dump(); }

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// A create after a delete that holds what it takes (engine/conflicts.h).
void renderConflicts(const Plan& plan, const Change& c, std::string& out) {
  for (const auto& [gone, claim] : conflictsOf(plan, c))
    out += "      after " + gone.str() + " goes: it holds " + claim + "\n";
}

void renderFields(const Change& c, std::string& out) {
  if (c.action == Action::Create) {
    size_t width = 0;
    for (const auto& item : c.after.items()) width = std::max(width, item.key().size() + 1);
    for (const auto& item : c.after.items())
      out += "      " + pad(item.key() + ":", width) + " " + value(item.value()) + "\n";
    return;
  }
  size_t width = 0;
  for (const auto& f : c.fields) width = std::max(width, f.path.size() + 1);
  for (const auto& f : c.fields) {
    out += "      " + pad(f.path + ":", width) + " " + value(f.before) + " -> " + value(f.after);
    if (f.forcesReplacement) out += "   # forces replacement";
    else if (f.restarts)
      out += "   # restarts " + restartsWhat(c.id.kind);
    if (f.drift) out += "   # drift: changed outside vdc";
    out += "\n";
  }
  std::string note = followNote(c);
  for (const auto& line : describeFollows(c)) out += "      " + line + (note.empty() ? "" : "   # " + note) + "\n";
}

// What a change's references to renamed resources mean (engine/rename.h).
void renderRenamedReferences(const Plan& plan, const Change& c, std::string& out) {
  for (const auto& line : describeRenamedReferences(plan, c)) out += "      " + line + "\n";
}

// "   + Network/n", the symbol right-aligned: how a change's line begins.
std::string marked(Action action, const ResourceId& id) {
  std::string symbol(actionSymbol(action));
  return std::string(4 - symbol.size(), ' ') + symbol + " " + id.str();
}

}  // namespace

std::string renderSummary(const Summary& s) {
  if (s.changes() == 0) return "No changes: the datacenter matches the manifests (" +
                                std::to_string(s.unchanged) + " resources).";
  return "Plan: " + (s.adopt ? std::to_string(s.adopt) + " to adopt, " : "") +
         (s.rename ? std::to_string(s.rename) + " to rename, " : "") + std::to_string(s.create) +
         " to create, " + std::to_string(s.update) + " to update, " + std::to_string(s.replace) + " to replace, " +
         std::to_string(s.remove) + " to delete, " + std::to_string(s.unchanged) + " unchanged.";
}

std::string protectionNote(const Plan& plan, const Change& c) {
  switch (protectionOf(plan, c)) {
    case Protection::None: return "";
    case Protection::Refused: return "protected";
    case Protection::Allowed: return "protected, allowed by --allow-destroy";
  }
  return "";
}

std::string renderPartial(const Plan& plan) {
  std::string filter;
  for (const auto& a : plan.only) filter += (filter.empty() ? "" : " ") + std::string("--only ") + a;
  for (const auto& a : plan.exclude) filter += (filter.empty() ? "" : " ") + std::string("--exclude ") + a;
  size_t n = plan.leftOut.size();
  return "Partial plan (" + filter + "): " + (n ? std::to_string(n) + (n == 1 ? " change" : " changes") : "no change") +
         " left out";
}

std::string renderPlan(const Plan& plan) {
  std::string out = "VDC " + plan.vdc + " on " + plan.target + (plan.destroy ? " (destroy)" : "") + "\n";
  if (!plan.empty()) out += "\n";
  for (const auto& c : plan.changes) {
    out += c.action == Action::Rename
               ? marked(c.action, {c.id.kind, c.renamedFrom}) + " -> " + c.id.str() + " (renamed)"
               : marked(c.action, c.id);
    if (c.action == Action::Replace) out += c.replaceAsked ? " (replace, as --replace asks)" : " (replace)";
    if (c.action == Action::Adopt) out += " (adopt '" + c.adopt + "')";
    if (c.action == Action::Delete && !c.physical.empty()) out += " (deletes '" + c.physical + "')";
    if (c.drift) out += c.action == Action::Create ? " (drift: deleted outside vdc)" : " (drift)";
    if (auto note = protectionNote(plan, c); !note.empty()) out += " (" + note + ")";
    if (auto why = irreversibility(c); !why.empty()) out += " (cannot be undone: " + why + ")";
    out += "\n";
    renderConflicts(plan, c, out);
    renderRenamedReferences(plan, c, out);
    renderFields(c, out);
  }
  for (const auto& f : plan.claimed)
    out += "   ! " + f.id.str() + ": '" + f.physicalName + "' carries a record of this VDC but is not its own; left alone\n";
  if (plan.partial()) {
    out += "\n" + renderPartial(plan) + (plan.leftOut.empty() ? "" : ":") + "\n";
    for (const auto& l : plan.leftOut) out += marked(l.action, l.id) + " (" + l.why + ")\n";
  }
  // Values come from manifests and the live datacenter: what would reorder or hide text on a terminal is escaped.
  return printableMessage(out + "\n" + renderSummary(plan.summary()) + "\n");
}

}  // namespace vdc
