// Declares a program's configuration options once (key, type, default, range, help) and
// generates the --help text and the Markdown reference from that single table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace moe::config {

enum class OptionType { kInt, kFloat, kBool, kString, kChoice };

// "int", "float", "bool", "string", "choice".
const char* type_name(OptionType type);

// A resolved value. Int options hold int64_t, float options double, bool options bool,
// string and choice options std::string.
using Value = std::variant<std::int64_t, double, bool, std::string>;

// One declared option. Keys are dotted lowercase paths ("train.steps"); every prefix
// ("train") is a section, which is a nested map in YAML.
struct Option {
  std::string key;
  OptionType type = OptionType::kString;
  std::optional<Value> default_value;  // empty: the user must set it
  std::string help;
  std::optional<double> min;  // numeric options only
  bool min_exclusive = false;
  std::optional<double> max;
  bool max_exclusive = false;
  std::vector<std::string> choices;  // choice options only, in declaration order
  bool non_empty = false;            // string options only

  bool required() const { return !default_value.has_value(); }
};

// Text of a value as a user would write it: 300, 0.001, 20.0, true, runs/quickstart.
// Floats print with the fewest digits that read back to the same double.
std::string format_value(const Value& value);

// What the option accepts beyond its type, for help and docs: "> 0", "[0, 1)", ">= 2",
// "data, layer", "non-empty"; empty when anything of the type goes.
std::string constraint_text(const Option& option);

// Checks a value of the option's type against its range, choices and emptiness rule.
// Returns the reason it is rejected ("must be > 0, got -1", "must be one of data, layer;
// got 'foo'"), quoting `as_written`, or nullopt when the value is allowed.
std::optional<std::string> check_value(const Option& option, const Value& value,
                                       std::string_view as_written);

// Returned by OptionTable::add_*() to refine the option just declared:
//   table.add_float("train.lr", 1e-3, "Peak learning rate.").greater_than(0);
// Misuse (a bound on a string, a default outside the range) is a programming error and
// throws std::logic_error.
class OptionBuilder {
 public:
  OptionBuilder& required();                // no default: the user must set it
  OptionBuilder& at_least(double min);      // value >= min
  OptionBuilder& greater_than(double min);  // value > min
  OptionBuilder& at_most(double max);       // value <= max
  OptionBuilder& less_than(double max);     // value < max
  OptionBuilder& non_empty();               // strings: "" is rejected

 private:
  friend class OptionTable;
  explicit OptionBuilder(Option& option) : option_(option) {}
  void require_numeric(const char* what) const;
  void check_default() const;

  Option& option_;
};

class OptionTable {
 public:
  OptionBuilder add_int(const std::string& key, std::int64_t default_value,
                        const std::string& help);
  OptionBuilder add_float(const std::string& key, double default_value, const std::string& help);
  OptionBuilder add_bool(const std::string& key, bool default_value, const std::string& help);
  OptionBuilder add_string(const std::string& key, const std::string& default_value,
                           const std::string& help);
  OptionBuilder add_choice(const std::string& key, const std::vector<std::string>& choices,
                           const std::string& default_value, const std::string& help);

  // In declaration order.
  const std::deque<Option>& options() const { return options_; }
  std::vector<std::string> keys() const;
  // nullptr when no option has this key.
  const Option* find(std::string_view key) const;
  // Position in options(), or nullopt when no option has this key.
  std::optional<std::size_t> index_of(std::string_view key) const;
  // True for a proper prefix of some key ("train" for "train.steps").
  bool is_section(std::string_view key) const;
  // The first declared key inside a section ("train" -> "train.steps"), for examples.
  std::string first_key_in(std::string_view section) const;

  // For --help: one aligned line per option: key, type, default, help and constraint.
  std::string help_text() const;
  // For docs/CONFIG.md: a Markdown table with a row per option.
  std::string markdown_reference() const;

 private:
  OptionBuilder add(Option option);

  std::deque<Option> options_;  // a deque so OptionBuilder references stay valid
  std::map<std::string, std::size_t, std::less<>> index_;
  std::map<std::string, std::size_t, std::less<>> sections_;  // section -> first option
};

}  // namespace moe::config
