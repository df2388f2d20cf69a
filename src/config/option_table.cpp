// Implementation of the option declarations, value checks and generated help declared in
// option_table.h.
#include "config/option_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "common/error.h"

namespace moe::config {
namespace {

// Shortest text that reads back as exactly `x`; integral values print without exponent.
// `mark_float` appends ".0" to integral values so they read as floats ("20.0").
std::string format_number(double x, bool mark_float) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char text[64];
  if (x == std::floor(x) && std::fabs(x) < 1e15) {
    std::snprintf(text, sizeof text, mark_float ? "%.1f" : "%.0f", x);
    return text;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, x);
    if (std::strtod(text, nullptr) == x) break;
  }
  return text;
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

Option make_option(const std::string& key, OptionType type, Value default_value,
                   const std::string& help) {
  Option option;
  option.key = key;
  option.type = type;
  option.default_value = std::move(default_value);
  option.help = help;
  return option;
}

bool is_numeric(OptionType type) { return type == OptionType::kInt || type == OptionType::kFloat; }

// Keys are what users type in YAML and after --set, so they stay plain: lowercase words of
// letters, digits and underscores joined by dots.
bool valid_key(const std::string& key) {
  if (key.empty() || key.front() == '.' || key.back() == '.') return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (c == '.' ? key[i - 1] == '.' : !word) return false;
  }
  return true;
}

std::string default_text(const Option& option) {
  if (option.required()) return "(required)";
  const std::string text = format_value(*option.default_value);
  return text.empty() ? "\"\"" : text;
}

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

}  // namespace

const char* type_name(OptionType type) {
  switch (type) {
    case OptionType::kInt:
      return "int";
    case OptionType::kFloat:
      return "float";
    case OptionType::kBool:
      return "bool";
    case OptionType::kString:
      return "string";
    case OptionType::kChoice:
      return "choice";
  }
  return "?";
}

std::string format_value(const Value& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* f = std::get_if<double>(&value)) return format_number(*f, true);
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  return std::get<std::string>(value);
}

std::string constraint_text(const Option& option) {
  if (option.type == OptionType::kChoice) return join(option.choices, ", ");
  if (option.type == OptionType::kString) return option.non_empty ? "non-empty" : "";
  if (!is_numeric(option.type)) return "";
  const auto bound = [](double x) { return format_number(x, false); };
  if (option.min && option.max) {
    return cat(option.min_exclusive ? "(" : "[", bound(*option.min), ", ", bound(*option.max),
               option.max_exclusive ? ")" : "]");
  }
  if (option.min) return cat(option.min_exclusive ? "> " : ">= ", bound(*option.min));
  if (option.max) return cat(option.max_exclusive ? "< " : "<= ", bound(*option.max));
  return "";
}

std::optional<std::string> check_value(const Option& option, const Value& value,
                                       std::string_view as_written) {
  const auto bound = [](double x) { return format_number(x, false); };
  if (is_numeric(option.type)) {
    const double x = std::holds_alternative<std::int64_t>(value)
                         ? static_cast<double>(std::get<std::int64_t>(value))
                         : std::get<double>(value);
    if (option.min && (option.min_exclusive ? !(x > *option.min) : !(x >= *option.min)))
      return cat("must be ", option.min_exclusive ? "> " : ">= ", bound(*option.min), ", got ",
                 as_written);
    if (option.max && (option.max_exclusive ? !(x < *option.max) : !(x <= *option.max)))
      return cat("must be ", option.max_exclusive ? "< " : "<= ", bound(*option.max), ", got ",
                 as_written);
    return std::nullopt;
  }
  if (option.type == OptionType::kChoice) {
    const std::string& text = std::get<std::string>(value);
    if (std::find(option.choices.begin(), option.choices.end(), text) == option.choices.end())
      return cat("must be one of ", join(option.choices, ", "), "; got '", as_written, "'");
    return std::nullopt;
  }
  if (option.type == OptionType::kString && option.non_empty &&
      std::get<std::string>(value).empty())
    return std::string("must not be empty");
  return std::nullopt;
}

// --- OptionBuilder ---------------------------------------------------------------------

OptionBuilder& OptionBuilder::required() {
  option_.default_value.reset();
  return *this;
}

OptionBuilder& OptionBuilder::at_least(double min) {
  require_numeric("at_least");
  option_.min = min;
  option_.min_exclusive = false;
  check_default();
  return *this;
}

OptionBuilder& OptionBuilder::greater_than(double min) {
  require_numeric("greater_than");
  option_.min = min;
  option_.min_exclusive = true;
  check_default();
  return *this;
}

OptionBuilder& OptionBuilder::at_most(double max) {
  require_numeric("at_most");
  option_.max = max;
  option_.max_exclusive = false;
  check_default();
  return *this;
}

OptionBuilder& OptionBuilder::less_than(double max) {
  require_numeric("less_than");
  option_.max = max;
  option_.max_exclusive = true;
  check_default();
  return *this;
}

OptionBuilder& OptionBuilder::non_empty() {
  if (option_.type != OptionType::kString)
    throw std::logic_error(cat("option ", option_.key, ": non_empty() needs a string option"));
  option_.non_empty = true;
  check_default();
  return *this;
}

void OptionBuilder::require_numeric(const char* what) const {
  if (!is_numeric(option_.type))
    throw std::logic_error(cat("option ", option_.key, ": ", what, "() needs an int or float ",
                               "option, not ", type_name(option_.type)));
}

void OptionBuilder::check_default() const {
  if (option_.min && option_.max && *option_.min > *option_.max)
    throw std::logic_error(cat("option ", option_.key, ": minimum above maximum"));
  if (!option_.default_value) return;
  if (const auto* f = std::get_if<double>(&*option_.default_value); f && !std::isfinite(*f))
    throw std::logic_error(cat("option ", option_.key, ": default must be finite"));
  const std::string text = format_value(*option_.default_value);
  if (auto why = check_value(option_, *option_.default_value, text))
    throw std::logic_error(cat("option ", option_.key, ": default ", *why));
}

// --- OptionTable -----------------------------------------------------------------------

OptionBuilder OptionTable::add_int(const std::string& key, std::int64_t default_value,
                                   const std::string& help) {
  return add(make_option(key, OptionType::kInt, Value{default_value}, help));
}

OptionBuilder OptionTable::add_float(const std::string& key, double default_value,
                                     const std::string& help) {
  return add(make_option(key, OptionType::kFloat, Value{default_value}, help));
}

OptionBuilder OptionTable::add_bool(const std::string& key, bool default_value,
                                    const std::string& help) {
  return add(make_option(key, OptionType::kBool, Value{default_value}, help));
}

OptionBuilder OptionTable::add_string(const std::string& key, const std::string& default_value,
                                      const std::string& help) {
  return add(make_option(key, OptionType::kString, Value{default_value}, help));
}

OptionBuilder OptionTable::add_choice(const std::string& key,
                                      const std::vector<std::string>& choices,
                                      const std::string& default_value, const std::string& help) {
  Option option = make_option(key, OptionType::kChoice, Value{default_value}, help);
  option.choices = choices;
  if (choices.empty())
    throw std::logic_error(cat("option ", key, ": a choice needs at least one allowed value"));
  return add(std::move(option));
}

OptionBuilder OptionTable::add(Option option) {
  const std::string& key = option.key;
  if (!valid_key(key))
    throw std::logic_error(cat("option '", key, "': keys are dot-separated [a-z0-9_] words"));
  if (index_.count(key)) throw std::logic_error(cat("option ", key, " is declared twice"));
  if (sections_.count(key))
    throw std::logic_error(cat("option ", key, " is already a section of other options"));
  for (std::size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
    if (index_.count(std::string_view(key).substr(0, dot)))
      throw std::logic_error(cat("option ", key, " is inside option ", key.substr(0, dot)));
  }
  const std::size_t position = options_.size();
  for (std::size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1))
    sections_.emplace(key.substr(0, dot), position);
  index_.emplace(key, position);
  options_.push_back(std::move(option));
  OptionBuilder builder(options_.back());
  builder.check_default();
  return builder;
}

std::vector<std::string> OptionTable::keys() const {
  std::vector<std::string> out;
  out.reserve(options_.size());
  for (const Option& option : options_) out.push_back(option.key);
  return out;
}

const Option* OptionTable::find(std::string_view key) const {
  const auto position = index_of(key);
  return position ? &options_[*position] : nullptr;
}

std::optional<std::size_t> OptionTable::index_of(std::string_view key) const {
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

bool OptionTable::is_section(std::string_view key) const { return sections_.count(key) > 0; }

std::string OptionTable::first_key_in(std::string_view section) const {
  const auto it = sections_.find(section);
  return it == sections_.end() ? std::string() : options_[it->second].key;
}

std::string OptionTable::help_text() const {
  std::size_t key_width = 0, type_width = 0, default_width = 0;
  for (const Option& option : options_) {
    key_width = std::max(key_width, option.key.size());
    type_width = std::max<std::size_t>(type_width, std::string(type_name(option.type)).size());
    default_width = std::max(default_width, default_text(option).size());
  }
  std::ostringstream out;
  for (const Option& option : options_) {
    out << "  " << pad(option.key, key_width) << "  " << pad(type_name(option.type), type_width)
        << "  " << pad(default_text(option), default_width) << "  " << option.help;
    const std::string constraint = constraint_text(option);
    if (!constraint.empty()) {
      const char* label = option.type == OptionType::kChoice ? "one of: "
                          : is_numeric(option.type)          ? "range: "
                                                             : "";
      out << " [" << label << constraint << "]";
    }
    out << "\n";
  }
  return out.str();
}

std::string OptionTable::markdown_reference() const {
  std::ostringstream out;
  out << "| Key | Type | Default | Allowed | Description |\n";
  out << "|-----|------|---------|---------|-------------|\n";
  for (const Option& option : options_) {
    std::string allowed = constraint_text(option);
    if (allowed.empty()) allowed = option.type == OptionType::kBool ? "true, false" : "any";
    const std::string default_cell =
        option.required() ? "*required*" : cat("`", default_text(option), "`");
    out << "| `" << option.key << "` | " << type_name(option.type) << " | "
        << markdown_cell(default_cell) << " | " << markdown_cell(allowed) << " | "
        << markdown_cell(option.help) << " |\n";
  }
  return out.str();
}

}  // namespace moe::config
