// Resolves a program's effective configuration against its OptionTable: declared defaults,
// then one YAML file, then --set key=value overrides, each validated with messages that name
// the file, line and key at fault.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/option_table.h"

namespace moe::config {

// Where a value came from, in increasing priority.
enum class Source { kDefault, kFile, kOverride };

// "default", "file", "--set".
const char* source_name(Source source);

// An immutable, fully validated set of values: one per declared option. Every factory
// collects all problems (unknown keys with a suggestion, wrong types, out-of-range values,
// missing required options) and throws a single moe::Error listing them one per line; the
// first line is self-contained, e.g.
//   configs/x.yaml:12: unknown key 'train.stpes' (did you mean 'train.steps'?)
class Config {
 public:
  // Reads the YAML file at `path` (nested maps: "train: {steps: 300}" sets train.steps),
  // then applies `overrides` ("train.steps=300").
  static Config load_file(const OptionTable& table, const std::string& path,
                          const std::vector<std::string>& overrides = {});
  // As load_file, from YAML text; `source_name` stands for the file name in messages.
  static Config load_text(const OptionTable& table, const std::string& yaml_text,
                          const std::string& source_name,
                          const std::vector<std::string>& overrides = {});
  // Defaults and overrides only, no file.
  static Config from_overrides(const OptionTable& table, const std::vector<std::string>& overrides);

  // Typed access; throw moe::Error naming the key when it is not declared or the option
  // has another type. get_string reads string and choice options.
  std::int64_t get_int(std::string_view key) const;
  double get_float(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  const std::string& get_string(std::string_view key) const;

  // The value as text (format_value), for any type.
  std::string get_text(std::string_view key) const;
  Source source(std::string_view key) const;
  const OptionTable& table() const { return table_; }

  // The effective configuration as nested YAML, every key in declaration order; load_text()
  // of it gives back the same values.
  std::string to_yaml() const;
  // Aligned "key  value  source" lines with a header, for printing at start-up.
  std::string describe() const;

 private:
  struct Entry {
    Value value;
    Source source;
  };
  Config(OptionTable table, std::vector<Entry> entries)
      : table_(std::move(table)), entries_(std::move(entries)) {}
  // Shared by the factories; a null yaml_text means no file.
  static Config resolve(const OptionTable& table, const std::string* yaml_text,
                        const std::string& source_name, const std::vector<std::string>& overrides);

  const Entry& entry(std::string_view key, OptionType wanted, const char* getter) const;

  OptionTable table_;
  std::vector<Entry> entries_;  // parallel to table_.options()
};

}  // namespace moe::config
