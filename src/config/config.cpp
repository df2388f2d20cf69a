// Implementation of the configuration resolution declared in config.h: YAML walking, value
// parsing, --set overrides, and the effective-config printers.
#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <system_error>

#include "common/error.h"
#include "config/edit_distance.h"

namespace moe::config {
namespace {

// A value parsed from user text, or why it could not be.
struct Parsed {
  std::optional<Value> value;
  std::string error;
};

Parsed parse_failure(std::string error) { return Parsed{std::nullopt, std::move(error)}; }

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Parsed parse_int(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range)
    return parse_failure(cat("integer out of range, got '", text, "'"));
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
    return parse_failure(cat("expected an integer, got '", text, "'"));
  return Parsed{Value{value}, {}};
}

Parsed parse_float(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range)
    return parse_failure(cat("number out of range, got '", text, "'"));
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
    return parse_failure(cat("expected a number, got '", text, "'"));
  if (!std::isfinite(value))
    return parse_failure(cat("expected a finite number, got '", text, "'"));
  return Parsed{Value{value}, {}};
}

Parsed parse_bool(std::string_view text) {
  const std::string word = lowercase(text);
  if (word == "true" || word == "yes" || word == "1") return Parsed{Value{true}, {}};
  if (word == "false" || word == "no" || word == "0") return Parsed{Value{false}, {}};
  return parse_failure(cat("expected true or false (or yes/no, 1/0), got '", text, "'"));
}

// Parses and checks `text` for the option: "expected an integer, got 'abc'", "must be > 0,
// got -1", ...
Parsed parse_value(const Option& option, std::string_view text) {
  Parsed parsed;
  switch (option.type) {
    case OptionType::kInt:
      parsed = parse_int(text);
      break;
    case OptionType::kFloat:
      parsed = parse_float(text);
      break;
    case OptionType::kBool:
      parsed = parse_bool(text);
      break;
    case OptionType::kString:
    case OptionType::kChoice:
      parsed = Parsed{Value{std::string(text)}, {}};
      break;
  }
  if (!parsed.value) return parsed;
  if (auto why = check_value(option, *parsed.value, text)) return parse_failure(*why);
  return parsed;
}

// "an integer,", "one of data, layer;" ... for "expected X got a map".
std::string expected_phrase(const Option& option) {
  switch (option.type) {
    case OptionType::kInt:
      return "an integer,";
    case OptionType::kFloat:
      return "a number,";
    case OptionType::kBool:
      return "true or false,";
    case OptionType::kString:
      return "a string,";
    case OptionType::kChoice: {
      std::string choices;
      for (const std::string& choice : option.choices)
        choices += (choices.empty() ? "" : ", ") + choice;
      return "one of " + choices + ";";
    }
  }
  return "a value,";
}

std::string node_kind(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  return cat("'", node.Scalar(), "'");
}

std::string unknown_key_message(const OptionTable& table, const std::string& key) {
  std::string message = cat("unknown key '", key, "'");
  if (auto suggestion = closest_key(key, table.keys()))
    message += cat(" (did you mean '", *suggestion, "'?)");
  return message;
}

// YAML scalars that read back as exactly this text: plain when unambiguous, else quoted.
std::string yaml_scalar(const std::string& text) {
  const auto plain_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '/' || c == '+' || c == '-';
  };
  bool plain = !text.empty() && text.front() != '+' && text.front() != '-';
  for (char c : text) plain = plain && plain_char(c);
  const std::string word = lowercase(text);
  if (plain && word != "null") return text;
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(cat("config ", path, ": cannot open: is a directory"));
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) throw Error(cat("config ", path, ": cannot open: ", std::strerror(errno)));
  std::string text;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) throw Error(cat("config ", path, ": cannot read: ", std::strerror(error)));
  return text;
}

// Accumulates values in priority order and every problem found on the way, so that one
// error lists them all.
class Resolution {
 public:
  struct Slot {
    std::optional<Value> value;
    Source source = Source::kDefault;
    int file_line = 0;  // 1-based line that set it in the file; 0 if none
    bool failed = false;
  };

  explicit Resolution(const OptionTable& table) : table_(table), slots_(table.options().size()) {
    for (std::size_t i = 0; i < slots_.size(); ++i)
      slots_[i].value = table.options()[i].default_value;
  }

  void apply_yaml(const std::string& text, const std::string& source_name) {
    source_name_ = source_name;
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      errors_.push_back(cat(where(e.mark), ": invalid YAML: ", e.msg));
      return;
    }
    if (root.IsNull()) return;  // an empty file sets nothing
    if (!root.IsMap()) {
      errors_.push_back(cat(where(root.Mark()), ": expected a map of sections such as '",
                            section_example(), "', got ", node_kind(root)));
      return;
    }
    walk_map(root, "");
  }

  void apply_override(const std::string& assignment) {
    const std::string where = "--set " + assignment;
    const std::size_t equals = assignment.find('=');
    const std::string key(trim(std::string_view(assignment).substr(0, equals)));
    if (equals == std::string::npos || key.empty()) {
      errors_.push_back(cat(where, ": expected KEY=VALUE, for example --set ",
                            table_.options().empty() ? "key" : table_.options().front().key, "=",
                            table_.options().empty() ? "value" : example_value(0)));
      return;
    }
    const std::string_view text = trim(std::string_view(assignment).substr(equals + 1));
    if (const auto index = table_.index_of(key)) {
      assign(*index, text, Source::kOverride, where);
    } else if (table_.is_section(key)) {
      errors_.push_back(cat(where, ": '", key, "' is a section, not an option; set one of its ",
                            "keys, such as ", table_.first_key_in(key)));
    } else {
      errors_.push_back(cat(where, ": ", unknown_key_message(table_, key)));
    }
  }

  void check_required() {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].value || slots_[i].failed) continue;
      const std::string& key = table_.options()[i].key;
      errors_.push_back(cat("missing required option '", key, "' (set it in the config file ",
                            "or with --set ", key, "=...)"));
    }
  }

  void throw_if_failed() const {
    if (errors_.empty()) return;
    std::string message;
    for (const std::string& error : errors_) message += (message.empty() ? "" : "\n") + error;
    throw Error(message);
  }

  const std::vector<Slot>& slots() const { return slots_; }

 private:
  std::string where(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.line < 0) return source_name_;
    return cat(source_name_, ":", mark.line + 1);
  }

  std::string section_example() const {
    const std::string& key = table_.options().empty() ? "" : table_.options().front().key;
    return key.substr(0, key.find('.')) + ":";
  }

  std::string example_value(std::size_t index) const {
    const Option& option = table_.options()[index];
    return option.default_value ? format_value(*option.default_value) : "VALUE";
  }

  void walk_map(const YAML::Node& map, const std::string& prefix) {
    for (const auto& pair : map) {  // yaml-cpp yields pairs by value
      const YAML::Node& key_node = pair.first;
      const YAML::Node& value = pair.second;
      const std::string at = where(key_node.Mark());
      if (!key_node.IsScalar()) {
        errors_.push_back(cat(at, ": expected a key name, got ", node_kind(key_node)));
        continue;
      }
      const std::string key = prefix.empty() ? key_node.Scalar() : prefix + "." + key_node.Scalar();
      if (const auto index = table_.index_of(key)) {
        walk_option(*index, key, value, at, key_node.Mark().line + 1);
      } else if (table_.is_section(key)) {
        if (value.IsMap()) {
          walk_map(value, key);
        } else if (!value.IsNull()) {  // an empty section sets nothing
          errors_.push_back(cat(at, ": ", key, ": expected a map (", key, " is a section with ",
                                "keys such as ", table_.first_key_in(key), "), got ",
                                node_kind(value)));
        }
      } else {
        report_unknown(key, value, at);
      }
    }
  }

  void walk_option(std::size_t index, const std::string& key, const YAML::Node& value,
                   const std::string& at, int line) {
    Slot& slot = slots_[index];
    if (slot.file_line > 0) {
      errors_.push_back(
          cat(at, ": duplicate key '", key, "' (first set at line ", slot.file_line, ")"));
      return;
    }
    slot.file_line = line;
    const Option& option = table_.options()[index];
    if (!value.IsScalar()) {
      const std::string got = value.IsNull() ? "no value" : node_kind(value);
      errors_.push_back(cat(at, ": ", key, ": expected ", expected_phrase(option), " got ", got));
      slot.failed = true;
      return;
    }
    assign(index, value.Scalar(), Source::kFile, at);
  }

  // Every leaf under an unknown key is reported with its own line and suggestion, so a
  // misspelt section ("trian:") points at each key the user meant.
  void report_unknown(const std::string& key, const YAML::Node& value, const std::string& at) {
    if (value.IsMap() && value.size() > 0) {
      for (const auto& pair : value) {
        const std::string child_at = where(pair.first.Mark());
        const std::string child =
            pair.first.IsScalar() ? key + "." + pair.first.Scalar() : key + ".?";
        report_unknown(child, pair.second, child_at);
      }
      return;
    }
    errors_.push_back(cat(at, ": ", unknown_key_message(table_, key)));
  }

  void assign(std::size_t index, std::string_view text, Source source, const std::string& at) {
    const Option& option = table_.options()[index];
    Parsed parsed = parse_value(option, text);
    Slot& slot = slots_[index];
    if (!parsed.value) {
      errors_.push_back(cat(at, ": ", option.key, ": ", parsed.error));
      slot.failed = true;
      return;
    }
    slot.value = std::move(parsed.value);
    slot.source = source;
  }

  const OptionTable& table_;
  std::vector<Slot> slots_;
  std::vector<std::string> errors_;
  std::string source_name_;
};

}  // namespace

const char* source_name(Source source) {
  switch (source) {
    case Source::kDefault:
      return "default";
    case Source::kFile:
      return "file";
    case Source::kOverride:
      return "--set";
  }
  return "?";
}

Config Config::load_file(const OptionTable& table, const std::string& path,
                         const std::vector<std::string>& overrides) {
  const std::string text = read_file(path);
  return resolve(table, &text, path, overrides);
}

Config Config::load_text(const OptionTable& table, const std::string& yaml_text,
                         const std::string& source_name,
                         const std::vector<std::string>& overrides) {
  return resolve(table, &yaml_text, source_name, overrides);
}

Config Config::from_overrides(const OptionTable& table, const std::vector<std::string>& overrides) {
  return resolve(table, nullptr, "", overrides);
}

Config Config::resolve(const OptionTable& table, const std::string* yaml_text,
                       const std::string& source_name, const std::vector<std::string>& overrides) {
  Resolution resolution(table);
  if (yaml_text) resolution.apply_yaml(*yaml_text, source_name);
  for (const std::string& assignment : overrides) resolution.apply_override(assignment);
  resolution.check_required();
  resolution.throw_if_failed();
  std::vector<Entry> entries;
  entries.reserve(resolution.slots().size());
  for (const Resolution::Slot& slot : resolution.slots())
    entries.push_back(Entry{*slot.value, slot.source});
  return Config(table, std::move(entries));
}

const Config::Entry& Config::entry(std::string_view key, OptionType wanted,
                                   const char* getter) const {
  const auto index = table_.index_of(key);
  if (!index) {
    std::string message = cat("config: no option '", key, "' is declared");
    if (auto suggestion = closest_key(key, table_.keys()))
      message += cat(" (did you mean '", *suggestion, "'?)");
    throw Error(message);
  }
  const Option& option = table_.options()[*index];
  const bool compatible = option.type == wanted ||
                          (wanted == OptionType::kString && option.type == OptionType::kChoice);
  if (!compatible)
    throw Error(cat("config: option '", key, "' is ", type_name(option.type), ", not ",
                    type_name(wanted), "; read it with the matching getter instead of ", getter));
  return entries_[*index];
}

std::int64_t Config::get_int(std::string_view key) const {
  return std::get<std::int64_t>(entry(key, OptionType::kInt, "get_int").value);
}

double Config::get_float(std::string_view key) const {
  return std::get<double>(entry(key, OptionType::kFloat, "get_float").value);
}

bool Config::get_bool(std::string_view key) const {
  return std::get<bool>(entry(key, OptionType::kBool, "get_bool").value);
}

const std::string& Config::get_string(std::string_view key) const {
  return std::get<std::string>(entry(key, OptionType::kString, "get_string").value);
}

std::string Config::get_text(std::string_view key) const {
  const auto index = table_.index_of(key);
  if (!index) throw Error(cat("config: no option '", key, "' is declared"));
  return format_value(entries_[*index].value);
}

Source Config::source(std::string_view key) const {
  const auto index = table_.index_of(key);
  if (!index) throw Error(cat("config: no option '", key, "' is declared"));
  return entries_[*index].source;
}

std::string Config::to_yaml() const {
  const auto& options = table_.options();
  std::ostringstream out;
  // Emits the keys under `prefix` at one indentation level, each section once, where its
  // first key was declared.
  const auto emit = [&](const auto& self, const std::string& prefix, int depth) -> void {
    std::vector<std::string> done;
    for (std::size_t i = 0; i < options.size(); ++i) {
      const std::string& key = options[i].key;
      if (!prefix.empty() && key.compare(0, prefix.size() + 1, prefix + ".") != 0) continue;
      const std::string rest = prefix.empty() ? key : key.substr(prefix.size() + 1);
      const std::size_t dot = rest.find('.');
      const std::string indent(2 * depth, ' ');
      if (dot == std::string::npos) {
        const Value& value = entries_[i].value;
        const std::string text = std::holds_alternative<std::string>(value)
                                     ? yaml_scalar(std::get<std::string>(value))
                                     : format_value(value);
        out << indent << rest << ": " << text << "\n";
        continue;
      }
      const std::string name = rest.substr(0, dot);
      if (std::find(done.begin(), done.end(), name) != done.end()) continue;
      done.push_back(name);
      out << indent << name << ":\n";
      self(self, prefix.empty() ? name : prefix + "." + name, depth + 1);
    }
  };
  emit(emit, "", 0);
  return out.str();
}

std::string Config::describe() const {
  const auto& options = table_.options();
  std::vector<std::string> values;
  std::size_t key_width = 3, value_width = 5;
  for (std::size_t i = 0; i < options.size(); ++i) {
    std::string text = format_value(entries_[i].value);
    if (text.empty()) text = "\"\"";
    key_width = std::max(key_width, options[i].key.size());
    value_width = std::max(value_width, text.size());
    values.push_back(std::move(text));
  }
  const auto pad = [](const std::string& text, std::size_t width) {
    return text + std::string(width - text.size(), ' ');
  };
  std::ostringstream out;
  out << pad("key", key_width) << "  " << pad("value", value_width) << "  source\n";
  for (std::size_t i = 0; i < options.size(); ++i) {
    out << pad(options[i].key, key_width) << "  " << pad(values[i], value_width) << "  "
        << source_name(entries_[i].source) << "\n";
  }
  return out.str();
}

}  // namespace moe::config
