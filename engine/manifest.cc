#include "engine/manifest.h"

#include <cstdio>
#include <map>
#include <fstream>
#include <sstream>

#include "base/text.h"
#include "engine/units.h"

namespace vdc {

namespace {

// The place and kind of the first byte that is not YAML text, if any:
// manifests are UTF-8, and YAML allows no control characters but tab, line
// feed and carriage return (yaml-cpp turns a NUL into a byte that is not
// UTF-8, which then cannot be hashed or shown).
std::optional<std::pair<Location, std::string>> invalidText(const std::string& text, const std::string& file) {
  int line = 1, column = 1;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    size_t length = utf8SequenceAt(text, i);
    if (length == 0) return std::pair{Location{file, line, column}, std::string("invalid UTF-8: manifests are UTF-8 text")};
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      char code[8];
      std::snprintf(code, sizeof code, "U+%04X", c);
      return std::pair{Location{file, line, column},
                       std::string("control character ") + code + " is not allowed in YAML"};
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += length;
  }
  return std::nullopt;
}


class Reader {
 public:
  Reader(const std::string& file, int firstLine, Manifest& manifest, Diagnostics& diags)
      : file_(file), firstLine_(firstLine), manifest_(manifest), diags_(diags) {}

  Location at(const YAML::Node& node) const {
    auto mark = node.Mark();
    if (mark.line < 0) return manifest_.where;
    return {file_, firstLine_ + mark.line + 1, mark.column + 1};
  }
  void error(const YAML::Node& node, std::string message) { diags_.add(at(node), std::move(message)); }

  // Converts a mapping against `fields`, filling defaults. Returns an object.
  // YAML leaves a key given twice to the reader: here it is an error, at
  // the second, naming the first.
  void rejectDuplicateKeys(const YAML::Node& map) {
    std::map<std::string, Location> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      auto [first, fresh] = seen.emplace(it->first.Scalar(), at(it->first));
      if (!fresh) error(it->first, "duplicate key '" + it->first.Scalar() + "' (first at " + first->second.str() + ")");
    }
  }

  Json object(const YAML::Node& node, const std::vector<Field>& fields, const std::string& path) {
    Json out = Json::object();
    if (!node.IsMap()) {
      error(node, path + " must be a mapping");
      return out;
    }
    rejectDuplicateKeys(node);
    std::vector<std::string> given;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.as<std::string>("");
      const Field* f = findField(fields, key);
      if (!f) {
        unknownField(it->first, key, fields, path);
        continue;
      }
      given.push_back(key);
      Json value = convert(it->second, *f, path + "." + key);
      if (!value.is_null()) out[key] = std::move(value);
    }
    for (const Field& f : fields) {
      if (out.contains(f.name) || std::find(given.begin(), given.end(), f.name) != given.end()) continue;
      if (f.required)
        error(node, "missing required field '" + f.name + "' in " + path);
      else if (!f.defaultValue.is_null())
        out[f.name] = f.defaultValue;
    }
    return out;
  }

  void unknownField(const YAML::Node& key, const std::string& name, const std::vector<Field>& fields,
                    const std::string& path) {
    std::vector<std::string> names;
    for (const auto& f : fields) names.push_back(f.name);
    unknownKey(key, name, names, " in " + path);
  }

  void unknownKey(const YAML::Node& key, const std::string& name, const std::vector<std::string>& known,
                  const std::string& where) {
    if (!withinBudget(key)) return;  // unknown keys are values too: a document may not hold unbounded many
    std::string message = "unknown field '" + name + "'" + where;
    if (auto guess = closestMatch(name, known)) message += " (did you mean '" + *guess + "'?)";
    error(key, message);
  }

  // For mappings with a fixed set of keys (the document, its metadata).
  void rejectUnknownKeys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& where) {
    rejectDuplicateKeys(map);
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string key = it->first.as<std::string>("");
      if (std::find(known.begin(), known.end(), key) == known.end()) unknownKey(it->first, key, known, where);
    }
  }

  std::optional<std::string> scalar(const YAML::Node& node, const std::string& path,
                                    const char* what = "a string") {
    if (!node.IsScalar()) {
      error(node, path + " must be " + what);
      return std::nullopt;
    }
    // The file is text, but escapes ("\0", "\x01") can make a value that is not.
    if (auto problem = invalidText(node.Scalar(), "")) {
      error(node, path + " is not text: " + problem->second);
      return std::nullopt;
    }
    return node.Scalar();
  }

  void mention(const YAML::Node& node, const Field& f, const std::string& path, const std::string& value) {
    manifest_.mentions.push_back({path, f.type, f.ref, value, at(node)});
  }

  Json convert(const YAML::Node& node, const Field& f, const std::string& path) {
    if (!withinBudget(node)) return nullptr;
    if (node.IsNull()) {
      error(node, path + " has no value");
      return nullptr;
    }
    switch (f.type) {
      case FieldType::String:
      case FieldType::Text: {
        auto s = scalar(node, path);
        return s ? Json(*s) : Json();
      }
      case FieldType::Int: {
        auto s = scalar(node, path, "an integer");
        if (!s) return nullptr;
        long value = 0;
        try {
          size_t used = 0;
          value = std::stol(*s, &used);
          if (used != s->size()) throw std::invalid_argument(*s);
        } catch (const std::exception&) {
          error(node, path + " must be an integer, not '" + *s + "'");
          return nullptr;
        }
        if (f.maximum > 0 && (value < f.minimum || value > f.maximum)) {
          error(node, path + " must be between " + std::to_string(f.minimum) + " and " +
                          std::to_string(f.maximum) + ", not " + *s);
          return nullptr;
        }
        return value;
      }
      case FieldType::Bool: {
        auto s = scalar(node, path, "true or false");
        if (!s) return nullptr;
        if (*s == "true") return true;
        if (*s == "false") return false;
        error(node, path + " must be true or false, not '" + *s + "'");
        return nullptr;
      }
      case FieldType::Size: {
        auto s = scalar(node, path, "a size");
        if (!s) return nullptr;
        auto bytes = parseSize(*s);
        if (!bytes || *bytes == 0) {
          error(node, "invalid size '" + *s + "' for " + path + " (use binary units: 512MiB, 20GiB, 1TiB)");
          return nullptr;
        }
        return formatSize(*bytes);
      }
      case FieldType::Duration: {
        auto s = scalar(node, path, "a duration");
        if (!s) return nullptr;
        auto duration = parseDuration(*s);
        if (!duration) {
          error(node, "invalid duration '" + *s + "' for " + path + " (a positive whole number of s, m or h: 30s, 5m)");
          return nullptr;
        }
        return formatDuration(*duration);
      }
      case FieldType::Cidr: {
        auto s = scalar(node, path, "a CIDR");
        if (!s) return nullptr;
        if (!Cidr::parse(*s)) {
          error(node, "invalid CIDR '" + *s + "' for " + path +
                          " (expected a network address and prefix, e.g. 10.0.1.0/24)");
          return nullptr;
        }
        return *s;
      }
      case FieldType::Ipv4: {
        auto s = scalar(node, path, "an IPv4 address");
        if (!s) return nullptr;
        if (!Ipv4::parse(*s)) {
          error(node, "invalid IPv4 address '" + *s + "' for " + path);
          return nullptr;
        }
        mention(node, f, path, *s);
        return *s;
      }
      case FieldType::Enum: {
        auto s = scalar(node, path);
        if (!s) return nullptr;
        for (const auto& c : f.choices)
          if (c == *s) {
            mention(node, f, path, *s);  // where it is, for checks across documents
            return *s;
          }
        std::string all;
        for (const auto& c : f.choices) all += (all.empty() ? "" : ", ") + c;
        std::string message = "invalid value '" + *s + "' for " + path + " (one of: " + all + ")";
        if (auto guess = closestMatch(*s, f.choices)) message += "; did you mean '" + *guess + "'?";
        error(node, message);
        return nullptr;
      }
      case FieldType::Ref:
      case FieldType::Peer: {
        auto s = scalar(node, path, "a name");
        if (!s) return nullptr;
        mention(node, f, path, *s);
        return *s;
      }
      case FieldType::Ports: {
        auto s = scalar(node, path, "a port or a port range");
        if (!s) return nullptr;
        if (!isPortRange(*s)) {
          error(node, "invalid ports '" + *s + "' for " + path + " (e.g. \"22\" or \"8000-8080\")");
          return nullptr;
        }
        return *s;
      }
      case FieldType::RefList:
      case FieldType::DependsOn: {
        if (!node.IsSequence()) {
          error(node, path + " must be a list");
          return nullptr;
        }
        Json out = Json::array();
        for (size_t i = 0; i < node.size(); ++i) {
          if (!withinBudget(node[i])) break;
          std::string itemPath = path + "[" + std::to_string(i) + "]";
          auto s = scalar(node[i], itemPath, "a name");
          if (!s) continue;
          mention(node[i], f, itemPath, *s);
          out.push_back(*s);
        }
        return out;
      }
      case FieldType::StringMap: {
        if (!node.IsMap()) {
          error(node, path + " must be a mapping of strings");
          return nullptr;
        }
        Json out = Json::object();
        rejectDuplicateKeys(node);
        for (auto it = node.begin(); it != node.end(); ++it) {
          if (!withinBudget(it->second)) break;
          auto key = scalar(it->first, path + " key", "a string");
          auto value = key ? scalar(it->second, path + "." + *key) : std::nullopt;
          if (value) out[*key] = *value;
        }
        return out;
      }
      case FieldType::Object:
        return object(node, f.fields, path);
      case FieldType::ObjectList: {
        if (!node.IsSequence()) {
          error(node, path + " must be a list");
          return nullptr;
        }
        Json out = Json::array();
        for (size_t i = 0; i < node.size() && withinBudget(node[i]); ++i)
          out.push_back(object(node[i], f.fields, path + "[" + std::to_string(i) + "]"));
        return out;
      }
    }
    return nullptr;
  }

  // Aliases let a few lines stand for a huge number of values ("billion
  // laughs"): a document may hold only so many.
  bool withinBudget(const YAML::Node& node) {
    if (++converted_ <= kMaxValues) return true;
    if (converted_ == kMaxValues + 1)
      error(node, "this document expands to more than " + std::to_string(kMaxValues) + " values (through YAML aliases?)");
    return false;
  }

 private:
  static constexpr size_t kMaxValues = 100'000;
  size_t converted_ = 0;
  const std::string& file_;
  int firstLine_;  // of the document within its file
  Manifest& manifest_;
  Diagnostics& diags_;
};

const std::vector<std::string> kTopLevel = {"apiVersion", "kind", "metadata", "spec"};
const std::vector<std::string> kMetadata = {"name", "labels", "annotations"};

void readDocument(const YAML::Node& doc, const std::string& file, int firstLine, std::vector<Manifest>& out,
                  Diagnostics& diags) {
  Manifest m;
  auto mark = doc.Mark();
  m.where = {file, firstLine + mark.line + 1, mark.column + 1};
  Reader r(file, firstLine, m, diags);
  if (!doc.IsMap()) {
    r.error(doc, "a manifest must be a mapping with apiVersion, kind, metadata and spec");
    return;
  }
  r.rejectUnknownKeys(doc, kTopLevel, "");
  auto api = doc["apiVersion"];
  if (!api)
    r.error(doc, "missing apiVersion (expected vdc/v1)");
  else if (!api.IsScalar() || api.Scalar() != "vdc/v1")
    r.error(api, "unsupported apiVersion '" + (api.IsScalar() ? api.Scalar() : std::string("?")) +
                     "' (expected vdc/v1)");

  auto kindNode = doc["kind"];
  std::optional<Kind> kind;
  if (!kindNode) {
    r.error(doc, "missing kind");
  } else {
    std::string text = kindNode.IsScalar() ? kindNode.Scalar() : "";
    kind = parseKind(text);
    if (!kind) {
      std::vector<std::string> names;
      for (Kind k : kAllKinds) names.emplace_back(kindName(k));
      std::string message = "unknown kind '" + text + "'";
      if (auto guess = closestMatch(text, names)) message += " (did you mean '" + *guess + "'?)";
      if (text == "Target") message = "a Target does not belong in a VDC directory: pass it with --target FILE";
      r.error(kindNode, message);
    }
  }

  auto metadata = doc["metadata"];
  if (!metadata || !metadata.IsMap()) {
    r.error(metadata ? metadata : doc, "missing metadata.name");
  } else {
    r.rejectUnknownKeys(metadata, kMetadata, " in metadata");
    auto name = metadata["name"];
    if (!name || !name.IsScalar()) {
      r.error(metadata, "missing metadata.name");
    } else {
      m.id.name = name.Scalar();
      m.where = r.at(name);
      if (!isDnsLabel(m.id.name))
        r.error(name, "invalid name '" + m.id.name +
                          "': names are DNS labels (lowercase letters, digits and '-', "
                          "starting and ending with a letter or digit, at most 63 characters)");
    }
    Field labels{"labels", FieldType::StringMap};
    if (auto l = metadata["labels"]) m.labels = r.convert(l, labels, "metadata.labels");
    if (m.labels.is_null()) m.labels = Json::object();
    Field annotations{"annotations", FieldType::StringMap};
    if (auto a = metadata["annotations"]) {
      m.annotations = r.convert(a, annotations, "metadata.annotations");
      r.mention(a, annotations, "metadata.annotations", "");
    }
    if (m.annotations.is_null()) m.annotations = Json::object();
  }
  if (!kind) return;
  m.id.kind = *kind;
  auto spec = doc["spec"];
  if (spec) {
    m.spec = r.object(spec, specFields(*kind), "spec");
  } else if (*kind == Kind::VirtualDataCenter) {
    m.spec = r.object(YAML::Node(YAML::NodeType::Map), specFields(*kind), "spec");
  } else {
    r.error(doc, "missing spec");
    return;
  }
  if (!m.id.name.empty()) out.push_back(std::move(m));
}

// Cuts a stream into its documents, each parsed on its own: yaml-cpp keeps
// every node of a LoadAll alive until the last document is done, and its
// LoadAll can loop forever on some malformed streams, while Load of a single
// document cannot. A document starts at "---" (with the directives just
// before it) and ends at "..." or where the next one starts; YAML forbids
// these markers inside scalars, so the cut is exact.
std::vector<ManifestText::Document> documents(std::string_view text) {
  std::vector<ManifestText::Document> chunks;
  size_t start = 0, line = 0, chunkLine = 0;
  bool content = false;  // the current chunk has more than directives and comments
  auto cut = [&](size_t at, size_t nextLine) {
    if (at > start) chunks.push_back({start, at - start, static_cast<int>(chunkLine)});
    start = at;
    chunkLine = nextLine;
    content = false;
  };
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view current = text.substr(pos, end - pos);
    auto marker = [&](const char* m) {
      return current.starts_with(m) &&
             (current.size() == 3 || current[3] == ' ' || current[3] == '\t' || current[3] == '\r');
    };
    size_t next = std::min(end + 1, text.size());
    if (marker("---")) {
      if (content) cut(pos, line);
      content = true;
    } else if (marker("...")) {
      cut(next, line + 1);
    } else if (current.starts_with('%')) {
      if (content) cut(pos, line);
    } else {
      size_t first = current.find_first_not_of(" \t\r");
      if (first != std::string_view::npos && current[first] != '#') content = true;
    }
    pos = end + 1;
    ++line;
  }
  cut(text.size(), line);
  return chunks;
}

}  // namespace

std::optional<ManifestText> cutManifestText(std::string text, const std::string& displayPath, Diagnostics& diags) {
  if (auto problem = invalidText(text, displayPath)) {
    diags.add(problem->first, problem->second);
    return std::nullopt;
  }
  ManifestText file{displayPath, std::move(text), {}};
  file.documents = documents(file.text);
  return file;
}

std::optional<ManifestText> readManifestFile(const std::string& path, const std::string& displayPath,
                                             Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.add({displayPath}, "cannot read file");
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return cutManifestText(std::move(buffer).str(), displayPath, diags);
}

bool readManifestDocument(const ManifestText& file, size_t document, std::vector<Manifest>& out,
                          Diagnostics& diags) {
  const auto& chunk = file.documents.at(document);
  YAML::Node doc;
  try {
    doc = YAML::Load(file.text.substr(chunk.offset, chunk.length));
  } catch (const YAML::Exception& e) {
    diags.add({file.displayPath, chunk.firstLine + e.mark.line + 1, e.mark.column + 1}, "invalid YAML: " + e.msg);
    return false;
  }
  if (!doc.IsNull()) readDocument(doc, file.displayPath, chunk.firstLine, out, diags);  // null: empty document
  return true;
}

bool readManifestText(const std::string& text, const std::string& displayPath,
                      std::vector<Manifest>& out, Diagnostics& diags) {
  auto file = cutManifestText(text, displayPath, diags);
  if (!file) return false;
  for (size_t i = 0; i < file->documents.size(); ++i)
    if (!readManifestDocument(*file, i, out, diags)) return false;
  return true;
}

}  // namespace vdc
