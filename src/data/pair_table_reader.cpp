// PairTableReader and the UTF-8 checks it applies (see pair_table_reader.h).
#include "data/pair_table_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>  // JSON lines
#include <unordered_set>
#include <utility>

#include "common/error.h"
#include "common/json_problem.h"  // moe::Error, MOE_REQUIRE
#include "data/file_extension.h"  // lowercase_extension
#include "data/manifest.h"        // domain_name_problem

namespace moe::data {
namespace {

// Length of the well-formed UTF-8 sequence at text[i] (valid = true), or of the maximal
// subpart of an ill-formed one (valid = false; at least 1 byte), per Unicode's Table 3-7.
std::size_t utf8_sequence(std::string_view text, std::size_t i, bool& valid) {
  const auto lead = static_cast<unsigned char>(text[i]);
  valid = true;
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead == 0xE0) {
    length = 3, low = 0xA0;  // no overlong forms
  } else if (lead == 0xED) {
    length = 3, high = 0x9F;  // no surrogates
  } else if (lead >= 0xE1 && lead <= 0xEF) {
    length = 3;
  } else if (lead == 0xF0) {
    length = 4, low = 0x90;  // no overlong forms
  } else if (lead == 0xF4) {
    length = 4, high = 0x8F;  // nothing above U+10FFFF
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    length = 4;
  } else {
    valid = false;
    return 1;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) {
      valid = false;
      return k;
    }
    const auto c = static_cast<unsigned char>(text[i + k]);
    if (k == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xBF)) {
      valid = false;
      return k;
    }
  }
  return length;
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_blank_text(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_ascii_space);
}

// At most 40 bytes of a value, on one line, for an error message.
std::string excerpt(std::string_view value) {
  std::string out(value.substr(0, 40));
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (value.size() > 40) out += "...";
  return out;
}

std::string hex_byte(unsigned char byte) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[byte >> 4] + digits[byte & 15];
}

// "0", "1", "0.0", "1.0", "true", "false" (any case), with spaces or tabs around.
bool parse_label_text(std::string_view text, float& label) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.size() > 5) return false;
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "1" || lower == "1.0" || lower == "true") {
    label = 1.0f;
    return true;
  }
  if (lower == "0" || lower == "0.0" || lower == "false") {
    label = 0.0f;
    return true;
  }
  return false;
}

const char* const kLabelForms = "expected 0, 1, 0.0, 1.0, true or false";

// A label in JSON: a number equal to 0 or 1, a boolean, or a string parse_label_text accepts.
bool parse_label_json(const nlohmann::json& value, float& label) {
  if (value.is_boolean()) {
    label = value.get<bool>() ? 1.0f : 0.0f;
    return true;
  }
  if (value.is_number()) {
    const double number = value.get<double>();
    if (number != 0.0 && number != 1.0) return false;
    label = static_cast<float>(number);
    return true;
  }
  if (value.is_string()) return parse_label_text(value.get_ref<const std::string&>(), label);
  return false;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "'" : ", '") + name + "'";
  return out;
}

enum class SkipReason { malformed, empty_text, invalid_utf8 };

// a and b are required; no two columns may share a name (one field cannot be two things).
void check_column_names(const PairTableColumns& columns) {
  MOE_REQUIRE(!columns.a.empty(), "pair files: the a column name (--a-column) must not be empty");
  MOE_REQUIRE(!columns.b.empty(), "pair files: the b column name (--b-column) must not be empty");
  const std::string* names[] = {&columns.a, &columns.b, &columns.label, &columns.domain};
  for (int i = 0; i < 4; ++i)
    for (int j = i + 1; j < 4; ++j)
      MOE_REQUIRE(names[i]->empty() || *names[i] != *names[j], "pair files: column name '",
                  *names[i], "' is given for two columns (--a-column, --b-column, --label-column, ",
                  "--domain-column must differ)");
}

}  // namespace

std::size_t find_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    bool valid = false;
    const std::size_t length = utf8_sequence(text, i, valid);
    if (!valid) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string replace_invalid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    bool valid = false;
    const std::size_t length = utf8_sequence(text, i, valid);
    if (valid)
      out.append(text.substr(i, length));
    else
      out += "\xEF\xBF\xBD";  // U+FFFD
    i += length;
  }
  return out;
}

PairTableFormat parse_pair_table_format(const std::string& name) {
  if (name == "auto") return PairTableFormat::automatic;
  if (name == "csv") return PairTableFormat::csv;
  if (name == "tsv") return PairTableFormat::tsv;
  if (name == "jsonl") return PairTableFormat::jsonl;
  throw Error(cat("unknown pair file format '", name, "' (choose auto, csv, tsv or jsonl)"));
}

PairTableFormat pair_table_format_of_path(const std::string& path) {
  const std::string extension = lowercase_extension(path);
  if (extension == ".csv") return PairTableFormat::csv;
  if (extension == ".tsv" || extension == ".tab") return PairTableFormat::tsv;
  if (extension == ".jsonl" || extension == ".ndjson" || extension == ".json")
    return PairTableFormat::jsonl;
  throw Error(cat("pair file '", path,
                  "': cannot tell the format from the name (expected .csv, .tsv, .jsonl or "
                  ".json); give it with --format csv|tsv|jsonl"));
}

class PairTableReader::Impl {
 public:
  Impl(const std::string& path, const PairTableReaderOptions& options)
      : path_(path), options_(options) {
    format_ = options.format == PairTableFormat::automatic ? pair_table_format_of_path(path)
                                                           : options.format;
    check_column_names(options_.columns);
    if (!options_.default_domain.empty()) check_domain(options_.default_domain, "default domain");
    in_.open(path, std::ios::binary);
    MOE_REQUIRE(in_.is_open(), "cannot open pair file '", path, "': ", std::strerror(errno));
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    file_bytes_ = error ? 0 : static_cast<int64_t>(size);
    if (format_ == PairTableFormat::jsonl) {
      lines_ = std::make_unique<LineReader>(in_, options_.max_row_bytes);
    } else {
      const DelimitedDialect dialect{format_ == PairTableFormat::tsv ? '\t' : ',',
                                     options_.quoting};
      records_ = std::make_unique<DelimitedRecordReader>(in_, dialect, options_.max_row_bytes);
      read_header();
    }
  }

  bool next(PairRow& row) {
    const bool got = format_ == PairTableFormat::jsonl ? next_json(row) : next_delimited(row);
    if (!got) MOE_REQUIRE(!in_.bad(), "failed reading pair file '", path_, "'");
    return got;
  }

  int64_t bytes_read() const {
    return lines_ ? lines_->bytes_consumed() : records_->bytes_consumed();
  }

  std::string path_;
  PairTableReaderOptions options_;
  PairTableFormat format_;
  int64_t file_bytes_ = 0;
  PairTableCounts counts_;

 private:
  // Column index of `name` in the header, or -1; a name given twice is an error.
  int find_column(const std::string& name, int64_t line) const {
    int found = -1;
    for (std::size_t i = 0; i < header_.size(); ++i) {
      if (header_[i] != name) continue;
      MOE_REQUIRE(found < 0, path_, ":", line, ": column '", name,
                  "' appears twice in the header (fields ", found + 1, " and ", i + 1, ")");
      found = static_cast<int>(i);
    }
    return found;
  }

  int require_column(const std::string& name, int64_t line) const {
    const int index = find_column(name, line);
    MOE_REQUIRE(index >= 0, path_, ":", line, ": no column '", name, "' in the header; it has ",
                quoted_list(header_),
                " (name the columns with --a-column, --b-column, --label-column, "
                "--domain-column)");
    return index;
  }

  void read_header() {
    const PairTableColumns& columns = options_.columns;
    DelimitedRecord header;
    MOE_REQUIRE(records_->next(header), path_,
                ": empty file; expected a header naming the columns '", columns.a, "', '",
                columns.b, "'", columns.label.empty() ? "" : cat(", '", columns.label, "'"));
    MOE_REQUIRE(header.problem.empty(), path_, ":", header.line, ": bad header: ", header.problem);
    header_ = std::move(header.fields);
    a_ = require_column(columns.a, header.line);
    b_ = require_column(columns.b, header.line);
    if (!columns.label.empty()) label_ = require_column(columns.label, header.line);
    if (!columns.domain.empty()) domain_ = find_column(columns.domain, header.line);
    MOE_REQUIRE(domain_ >= 0 || !options_.default_domain.empty(), path_, ":", header.line,
                ": no column '", columns.domain, "' in the header and no default domain given ",
                "(--domain NAME); the header has ", quoted_list(header_));
  }

  // Counts a skipped row, or throws when its policy says fail.
  void reject(SkipReason reason, int64_t line, const std::string& why) {
    std::string message = cat(path_, ":", line, ": ", why);
    bool fail = false;
    int64_t* counter = nullptr;
    const char* hint = "";
    switch (reason) {
      case SkipReason::malformed:
        fail = options_.bad_rows == BadRowPolicy::fail;
        counter = &counts_.malformed;
        hint = " (--bad-rows skip skips and counts malformed rows)";
        break;
      case SkipReason::empty_text:
        fail = options_.empty_text == EmptyTextPolicy::fail;
        counter = &counts_.empty_text;
        hint = " (--empty-text skip skips and counts such rows)";
        break;
      case SkipReason::invalid_utf8:
        fail = options_.invalid_utf8 == InvalidUtf8Policy::fail;
        counter = &counts_.invalid_utf8;
        hint =
            " (--invalid-utf8 repair replaces invalid bytes with U+FFFD, --invalid-utf8 skip "
            "skips the row)";
        break;
    }
    if (fail) throw Error(message + hint);
    ++*counter;
    if (counts_.first_skipped.empty()) counts_.first_skipped = std::move(message);
  }

  // Validates a domain name once; `where` prefixes the error.
  void check_domain(const std::string& domain, const std::string& where) {
    if (checked_domains_.count(domain) != 0) return;
    const std::string problem = domain_name_problem(domain);
    MOE_REQUIRE(problem.empty(), where, ": ", problem);
    const auto& allowed = options_.allowed_domains;
    MOE_REQUIRE(
        allowed.empty() || std::find(allowed.begin(), allowed.end(), domain) != allowed.end(),
        where, ": unknown domain '", domain, "'; the allowed domains are ", quoted_list(allowed));
    checked_domains_.insert(domain);
  }

  // Checks (or repairs) every field; false when the row was rejected.
  bool check_utf8_fields(int64_t line, bool& repaired) {
    for (std::size_t i = 0; i < record_.fields.size(); ++i) {
      std::string& field = record_.fields[i];
      const std::size_t at = find_invalid_utf8(field);
      if (at == std::string::npos) continue;
      if (options_.invalid_utf8 == InvalidUtf8Policy::repair) {
        field = replace_invalid_utf8(field);
        repaired = true;
        continue;
      }
      reject(SkipReason::invalid_utf8, line,
             cat("column '", header_[i], "' is not valid UTF-8 (byte ",
                 hex_byte(static_cast<unsigned char>(field[at])), " at offset ", at, ")"));
      return false;
    }
    return true;
  }

  // Rejects the row when a or b is blank; `kind` is "column" or "key".
  bool check_texts(const std::string& a, const std::string& b, const char* kind, int64_t line) {
    const std::string* empty_column = is_blank_text(a)   ? &options_.columns.a
                                      : is_blank_text(b) ? &options_.columns.b
                                                         : nullptr;
    if (empty_column == nullptr) return true;
    reject(SkipReason::empty_text, line, cat(kind, " '", *empty_column, "' is empty"));
    return false;
  }

  bool keep(PairRow& row, int64_t line, bool repaired) {
    if (checked_domains_.count(row.domain) == 0) check_domain(row.domain, cat(path_, ":", line));
    row.line = line;
    ++counts_.kept;
    if (repaired) ++counts_.repaired_utf8;
    return true;
  }

  bool next_delimited(PairRow& row) {
    while (records_->next(record_)) {
      ++counts_.rows;
      const int64_t line = record_.line;
      std::vector<std::string>& fields = record_.fields;
      if (!record_.problem.empty()) {
        reject(SkipReason::malformed, line, record_.problem);
        continue;
      }
      if (fields.size() != header_.size()) {
        reject(SkipReason::malformed, line,
               cat("expected ", header_.size(), " fields as in the header, got ", fields.size()));
        continue;
      }
      bool repaired = false;
      if (!check_utf8_fields(line, repaired)) continue;
      float label = 1.0f;
      if (label_ >= 0 && !parse_label_text(fields[label_], label)) {
        reject(SkipReason::malformed, line,
               cat("bad label '", excerpt(fields[label_]), "' in column '", options_.columns.label,
                   "' (", kLabelForms, ")"));
        continue;
      }
      if (!check_texts(fields[a_], fields[b_], "column", line)) continue;
      if (domain_ >= 0 && fields[domain_].empty()) {
        reject(SkipReason::malformed, line, cat("column '", options_.columns.domain, "' is empty"));
        continue;
      }
      row.a = std::move(fields[a_]);
      row.b = std::move(fields[b_]);
      row.label = label;
      row.domain = domain_ >= 0 ? std::move(fields[domain_]) : options_.default_domain;
      return keep(row, line, repaired);
    }
    return false;
  }

  // The string value of `key`, or "" with `why` set.
  static bool json_string(const nlohmann::json& object, const std::string& key, std::string& out,
                          std::string& why) {
    const auto it = object.find(key);
    if (it == object.end()) {
      why = cat("missing key '", key, "'");
      return false;
    }
    if (!it->is_string()) {
      why = cat("key '", key, "' must be a string, got ", it->type_name());
      return false;
    }
    out = it->get<std::string>();
    return true;
  }

  bool next_json(PairRow& row) {
    const PairTableColumns& columns = options_.columns;
    bool too_long = false;
    while (lines_->next(line_text_, too_long)) {
      if (!too_long && is_blank_text(line_text_)) continue;
      ++counts_.rows;
      const int64_t line = lines_->line_number();
      if (too_long) {
        reject(SkipReason::malformed, line,
               cat("line longer than ", options_.max_row_bytes, " bytes"));
        continue;
      }
      bool repaired = false;
      const std::size_t at = find_invalid_utf8(line_text_);
      if (at != std::string::npos) {
        if (options_.invalid_utf8 == InvalidUtf8Policy::repair) {
          line_text_ = replace_invalid_utf8(line_text_);
          repaired = true;
        } else {
          reject(SkipReason::invalid_utf8, line,
                 cat("not valid UTF-8 (byte ", hex_byte(static_cast<unsigned char>(line_text_[at])),
                     " at column ", at + 1, ")"));
          continue;
        }
      }
      nlohmann::json object;
      try {
        object = nlohmann::json::parse(line_text_);
      } catch (const nlohmann::json::exception& error) {
        reject(SkipReason::malformed, line, cat("bad JSON ", json_problem(error)));
        continue;
      }
      if (!object.is_object()) {
        reject(SkipReason::malformed, line,
               cat("expected a JSON object, got ", object.type_name()));
        continue;
      }
      std::string why;
      if (!json_string(object, columns.a, row.a, why) ||
          !json_string(object, columns.b, row.b, why)) {
        reject(SkipReason::malformed, line, why);
        continue;
      }
      row.label = 1.0f;
      if (!columns.label.empty()) {
        const auto it = object.find(columns.label);
        if (it == object.end()) {
          reject(SkipReason::malformed, line, cat("missing key '", columns.label, "'"));
          continue;
        }
        if (!parse_label_json(*it, row.label)) {
          reject(SkipReason::malformed, line,
                 cat("bad label ", excerpt(it->dump()), " in key '", columns.label, "' (",
                     kLabelForms, ")"));
          continue;
        }
      }
      if (!check_texts(row.a, row.b, "key", line)) continue;
      if (!columns.domain.empty() && object.contains(columns.domain)) {
        if (!json_string(object, columns.domain, row.domain, why) || row.domain.empty()) {
          reject(SkipReason::malformed, line,
                 why.empty() ? cat("key '", columns.domain, "' is empty") : why);
          continue;
        }
      } else if (!options_.default_domain.empty()) {
        row.domain = options_.default_domain;
      } else {
        reject(
            SkipReason::malformed, line,
            cat("missing key '", columns.domain, "' and no default domain given (--domain NAME)"));
        continue;
      }
      return keep(row, line, repaired);
    }
    return false;
  }

  std::ifstream in_;
  std::unique_ptr<LineReader> lines_;               // JSON lines
  std::unique_ptr<DelimitedRecordReader> records_;  // CSV, TSV
  std::vector<std::string> header_;
  int a_ = -1, b_ = -1, label_ = -1, domain_ = -1;  // column indices; -1: none
  DelimitedRecord record_;
  std::string line_text_;
  std::unordered_set<std::string> checked_domains_;
};

PairTableReader::PairTableReader(const std::string& path, const PairTableReaderOptions& options)
    : impl_(std::make_unique<Impl>(path, options)) {}

PairTableReader::~PairTableReader() = default;

bool PairTableReader::next(PairRow& row) { return impl_->next(row); }
const PairTableCounts& PairTableReader::counts() const { return impl_->counts_; }
const std::string& PairTableReader::path() const { return impl_->path_; }
PairTableFormat PairTableReader::format() const { return impl_->format_; }
int64_t PairTableReader::bytes_read() const { return impl_->bytes_read(); }
int64_t PairTableReader::file_bytes() const { return impl_->file_bytes_; }

}  // namespace moe::data
