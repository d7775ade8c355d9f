#include "engine/render_markdown.h"

#include <map>

#include "engine/atomic.h"
#include "engine/conflicts.h"
#include "engine/follow.h"
#include "engine/rename.h"
#include "engine/render.h"
#include "base/text.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

namespace {

// A value in a table cell: inline code, with what would break the table or
// the code span written out (values come from manifests anyone may edit).
std::string cell(const std::string& text) {
  std::string safe;
  for (char c : printable(text)) {
    if (c == '|') safe += "\\|";
    else if (c == '`') safe += "'";
    else safe += c;
  }
  if (safe.size() > 200) safe = safe.substr(0, 200) + "...";
  return "`" + safe + "`";
}

std::string cellValue(const Json& v) { return v.is_null() ? "(none)" : cell(v.dump()); }

const char* heading(Action action) {
  switch (action) {
    case Action::Create: return "Create";
    case Action::Update: return "Update";
    case Action::Replace: return "Replace";
    case Action::Delete: return "Delete";
    case Action::Adopt: return "Adopt";
    case Action::Rename: return "Rename";
  }
  return "?";
}

std::string note(const Change& c, const FieldChange& f) {
  std::string text;
  if (f.forcesReplacement) text = "forces replacement";
  else if (f.restarts) text = "restarts " + restartsWhat(c.id.kind);
  if (f.drift) text += std::string(text.empty() ? "" : "; ") + "drift: changed outside vdc";
  return text;
}

void renderChange(const Plan& plan, const Change& c, std::string& out) {
  std::string title = cell(c.id.str());
  if (c.action == Action::Adopt) title += " takes over " + cell(c.adopt);
  if (c.action == Action::Rename)
    title = cell(ResourceId{c.id.kind, c.renamedFrom}.str()) + " is renamed " + cell(c.id.str()) + " (keeps " +
            cell(c.physical) + ")";
  if ((c.action == Action::Delete || c.action == Action::Replace) && !c.physical.empty())
    title += " (" + cell(c.physical) + " goes)";
  if (c.drift) title += c.action == Action::Create ? " **drift: deleted outside vdc**" : " **drift**";
  if (c.replaceAsked) title += " (as `--replace` asks)";
  if (auto protection = protectionNote(plan, c); !protection.empty()) title += " **" + protection + "**";
  if (auto why = irreversibility(c); !why.empty()) title += " (cannot be undone: " + why + ")";
  out += "- " + title + "\n";
  if (c.action == Action::Create) {
    for (const auto& item : c.after.items()) out += "  - " + cell(item.key()) + ": " + cellValue(item.value()) + "\n";
    return;
  }
  for (const auto& [gone, claim] : conflictsOf(plan, c))
    out += "  - after " + cell(gone.str()) + " goes: it holds " + cell(claim) + "\n";
  std::string follow = followNote(c);
  for (const auto& line : describeFollows(c))
    out += "  - " + cell(line) + (follow.empty() ? "" : " (" + follow + ")") + "\n";
  for (const auto& line : describeRenamedReferences(plan, c)) out += "  - " + cell(line) + "\n";
  if (c.fields.empty()) return;
  out += "\n  | field | before | after | note |\n  |---|---|---|---|\n";
  for (const auto& f : c.fields)
    out += "  | " + cell(f.path) + " | " + cellValue(f.before) + " | " + cellValue(f.after) + " | " + note(c, f) + " |\n";
  out += "\n";
}

}  // namespace

std::string renderMarkdown(const Plan& plan, const MarkdownContext& context) {
  std::string out = "### vdc plan: VDC " + cell(plan.vdc) + " on " + cell(plan.target) +
                    (plan.destroy ? " (destroy)" : "") + "\n\n";
  if (!context.revision.empty()) out += "Manifests at revision " + cell(context.revision) + ".\n";
  if (!context.inForce.empty()) out += "The target has revision " + cell(context.inForce) + " in force.\n";
  if (!context.revision.empty() || !context.inForce.empty()) out += "\n";
  out += "**" + renderSummary(plan.summary()) + "**\n";
  if (plan.partial()) out += "\n> **" + cell(renderPartial(plan)) + "**: applying it changes only what is listed here.\n";
  size_t drifted = 0;
  for (const auto& c : plan.changes) drifted += c.drift;
  if (drifted)
    out += "\n> **Drift:** " + std::to_string(drifted) + (drifted == 1 ? " resource was" : " resources were") +
           " changed outside vdc; this plan puts " + (drifted == 1 ? "it" : "them") + " back.\n";
  for (Action action : {Action::Delete, Action::Replace, Action::Update, Action::Create, Action::Adopt, Action::Rename}) {
    std::string section;
    size_t count = 0;
    for (const auto& c : plan.changes)
      if (c.action == action) {
        renderChange(plan, c, section);
        ++count;
      }
    if (count) out += "\n#### " + std::string(heading(action)) + " (" + std::to_string(count) + ")\n\n" + section;
  }
  if (!plan.leftOut.empty()) {
    out += "\n#### Left out by the filter (" + std::to_string(plan.leftOut.size()) + ")\n\n";
    for (const auto& l : plan.leftOut)
      out += "- " + std::string(actionName(l.action)) + " " + cell(l.id.str()) + ": " + cell(l.why) + "\n";
  }
  if (!plan.claimed.empty()) {
    out += "\n#### Left alone\n\n";
    for (const auto& f : plan.claimed)
      out += "- " + cell(f.id.str()) + ": " + cell(f.physicalName) +
             " carries a record of this VDC but is not its own\n";
  }
  return out;
}

}  // namespace vdc
