// TextRecordReader: the texts to embed, from JSON lines, CSV, TSV or plain lines (see
// text_records.h).
#include "data/text_records.h"

#include <utf8proc.h>  // utf8proc_iterate, utf8proc_category

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>  // JSON lines
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/json_problem.h"  // moe::Error, MOE_REQUIRE, cat
#include "data/delimited_text.h"  // LineReader, DelimitedRecordReader
#include "data/file_extension.h"  // lowercase_extension
#include "data/manifest.h"        // domain_name_problem

namespace moe::data {
namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// What the tokenizer treats as white space beyond ASCII: Zs, the line and paragraph
// separators, and NEL.
bool is_unicode_space(utf8proc_int32_t cp) {
  return cp == 0x85 || cp == 0x2028 || cp == 0x2029 ||
         utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

struct Utf8Scan {
  std::size_t invalid_at = std::string_view::npos;  // offset of the first invalid sequence
  bool blank = true;                                // nothing but white space before it
};

// One pass over `text`: where its UTF-8 first goes wrong (overlong forms, surrogates and code
// points above U+10FFFF included), and whether it is empty or only white space.
Utf8Scan scan_utf8(std::string_view text) {
  Utf8Scan scan;
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      if (!is_ascii_space(text[i])) scan.blank = false;
      ++i;
      continue;
    }
    utf8proc_int32_t cp = -1;
    const utf8proc_ssize_t length =
        utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                         static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
    if (length <= 0) {
      scan.invalid_at = i;
      return scan;
    }
    if (!is_unicode_space(cp)) scan.blank = false;
    i += static_cast<std::size_t>(length);
  }
  return scan;
}

std::string hex_byte(unsigned char byte) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[byte >> 4] + digits[byte & 15];
}

std::string invalid_utf8_problem(std::string_view text, std::size_t at) {
  return cat("is not valid UTF-8 (byte ", hex_byte(static_cast<unsigned char>(text[at])),
             " at offset ", at, ")");
}

// At most 40 bytes of a value, on one line, for an error message.
std::string excerpt(std::string_view value) {
  std::string out(value.substr(0, 40));
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (value.size() > 40) out += "...";
  return out;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "'" : ", '") + name + "'";
  return out;
}

void check_field_names(const std::string& path, TextFormat format, const TextFields& fields) {
  MOE_REQUIRE(!fields.text.empty(), path, ": the text field name must not be empty");
  MOE_REQUIRE(!fields.id_required || !fields.id.empty(), path,
              ": the id field name must not be empty");
  if (format == TextFormat::lines) {
    MOE_REQUIRE(fields.domain.empty(), path,
                ": a per-text domain needs jsonl, csv or tsv input (this file is read as lines, "
                "one text per line)");
    MOE_REQUIRE(!fields.id_required, path,
                ": an id field needs jsonl, csv or tsv input (lines input has no fields; ids are "
                "the 0-based line positions)");
    MOE_REQUIRE(fields.metadata.empty(), path,
                ": metadata fields need jsonl, csv or tsv input (lines input has no fields)");
    return;
  }
  const std::string* names[] = {&fields.text, &fields.id, &fields.domain};
  for (int i = 0; i < 3; ++i)
    for (int j = i + 1; j < 3; ++j)
      MOE_REQUIRE(names[i]->empty() || *names[i] != *names[j], path, ": field name '", *names[i],
                  "' is given for two fields (the text, id and domain fields must differ)");
  // Metadata may repeat those (to print a domain with each hit), not each other.
  for (size_t i = 0; i < fields.metadata.size(); ++i) {
    MOE_REQUIRE(!fields.metadata[i].empty(), path, ": a metadata field name must not be empty");
    for (size_t j = i + 1; j < fields.metadata.size(); ++j)
      MOE_REQUIRE(fields.metadata[i] != fields.metadata[j], path, ": metadata field '",
                  fields.metadata[i], "' is named twice");
  }
}

// Where ids come from: the file, or the records' positions. jsonl decides on its first record.
enum class IdSource { undecided, file, position };

}  // namespace

TextFormat parse_text_format(const std::string& name) {
  if (name == "jsonl") return TextFormat::jsonl;
  if (name == "csv") return TextFormat::csv;
  if (name == "tsv") return TextFormat::tsv;
  if (name == "lines") return TextFormat::lines;
  throw Error(cat("unknown text file format '", name, "' (choose auto, jsonl, csv, tsv or lines)"));
}

TextFormat text_format_of_path(const std::string& path) {
  const std::string extension = lowercase_extension(path);
  if (extension == ".jsonl" || extension == ".ndjson" || extension == ".json")
    return TextFormat::jsonl;
  if (extension == ".csv") return TextFormat::csv;
  if (extension == ".tsv" || extension == ".tab") return TextFormat::tsv;
  return TextFormat::lines;
}

std::string text_format_name(TextFormat format) {
  switch (format) {
    case TextFormat::jsonl:
      return "jsonl";
    case TextFormat::csv:
      return "csv";
    case TextFormat::tsv:
      return "tsv";
    case TextFormat::lines:
      return "lines";
  }
  return "unknown";
}

class TextRecordReader::Impl {
 public:
  Impl(const std::string& path, TextFormat format, TextFields fields)
      : path_(path), format_(format), fields_(std::move(fields)) {
    check_field_names(path_, format_, fields_);
    in_.open(path_, std::ios::binary);
    MOE_REQUIRE(in_.is_open(), "cannot open text file '", path_, "': ", std::strerror(errno));
    switch (format_) {
      case TextFormat::lines:
        ids_ = IdSource::position;
        lines_ = std::make_unique<LineReader>(in_);
        break;
      case TextFormat::jsonl:
        ids_ = fields_.id.empty() ? IdSource::position : IdSource::undecided;
        lines_ = std::make_unique<LineReader>(in_);
        break;
      case TextFormat::csv:
      case TextFormat::tsv:
        records_ = std::make_unique<DelimitedRecordReader>(
            in_, DelimitedDialect{format_ == TextFormat::tsv ? '\t' : ',', true});
        read_header();
        break;
    }
  }

  bool next(TextRecord& record) {
    bool got = false;
    switch (format_) {
      case TextFormat::lines:
        got = next_line(record);
        break;
      case TextFormat::jsonl:
        got = next_json(record);
        break;
      case TextFormat::csv:
      case TextFormat::tsv:
        got = next_delimited(record);
        break;
    }
    if (!got) MOE_REQUIRE(!in_.bad(), "failed reading text file '", path_, "'");
    return got;
  }

  int64_t bytes_consumed() const {
    return lines_ ? lines_->bytes_consumed() : records_->bytes_consumed();
  }

  std::string path_;
  TextFormat format_;

 private:
  [[noreturn]] void fail(int64_t line, const std::string& why) const {
    throw Error(cat(path_, ":", line, ": ", why));
  }

  // Column index of `name` in the header, or -1; a name given twice is an error.
  int find_column(const std::string& name, int64_t line) const {
    int found = -1;
    for (std::size_t i = 0; i < header_.size(); ++i) {
      if (header_[i] != name) continue;
      if (found >= 0)
        fail(line, cat("column '", name, "' appears twice in the header (fields ", found + 1,
                       " and ", i + 1, ")"));
      found = static_cast<int>(i);
    }
    return found;
  }

  int require_column(const std::string& name, int64_t line) const {
    const int index = find_column(name, line);
    if (index < 0)
      fail(line, cat("no column '", name, "' in the header; it has ", quoted_list(header_)));
    return index;
  }

  void read_header() {
    DelimitedRecord header;
    MOE_REQUIRE(records_->next(header), path_,
                ": empty file; expected a header naming the text column '", fields_.text, "'");
    if (!header.problem.empty()) fail(header.line, cat("bad header: ", header.problem));
    header_ = std::move(header.fields);
    text_ = require_column(fields_.text, header.line);
    if (!fields_.id.empty())
      id_ = fields_.id_required ? require_column(fields_.id, header.line)
                                : find_column(fields_.id, header.line);
    if (!fields_.domain.empty()) domain_ = require_column(fields_.domain, header.line);
    for (const std::string& name : fields_.metadata)
      metadata_.push_back(require_column(name, header.line));
    ids_ = id_ >= 0 ? IdSource::file : IdSource::position;
  }

  // Checks a text; `where` names its column or key ("" for the lines format).
  void check_text(const std::string& text, int64_t line, const std::string& where) const {
    const Utf8Scan scan = scan_utf8(text);
    if (scan.invalid_at != std::string_view::npos)
      fail(line, cat("text", where, " ", invalid_utf8_problem(text, scan.invalid_at)));
    if (scan.blank)
      fail(line, format_ == TextFormat::lines ? std::string("empty text; remove the line")
                                              : cat("empty text", where));
  }

  void check_id(const std::string& id, int64_t line) const {
    if (id.empty()) fail(line, cat("empty id in ", field_kind(), " '", fields_.id, "'"));
    const std::size_t invalid = scan_utf8(id).invalid_at;
    if (invalid != std::string_view::npos)
      fail(line, cat("id '", excerpt(id), "' ", invalid_utf8_problem(id, invalid)));
    if (id.find_first_of("\r\n") != std::string::npos)
      fail(line, cat("id '", excerpt(id), "' holds a line break"));
  }

  void check_domain(const std::string& domain, int64_t line) const {
    const std::string problem = domain_name_problem(domain);
    if (!problem.empty()) fail(line, cat(field_kind(), " '", fields_.domain, "': ", problem));
  }

  const char* field_kind() const { return format_ == TextFormat::jsonl ? "key" : "column"; }

  // Numbers the record, and checks its id is new when it comes from the file.
  bool finish(TextRecord& record, int64_t line) {
    record.line = line;
    record.index = index_++;
    if (ids_ != IdSource::file) {
      record.id = std::to_string(record.index);
      return true;
    }
    const auto [it, inserted] = first_line_of_id_.emplace(record.id, line);
    if (!inserted)
      fail(line, cat("duplicate id '", excerpt(record.id), "' (first on line ", it->second, ")"));
    return true;
  }

  bool next_line(TextRecord& record) {
    bool too_long = false;
    if (!lines_->next(record.text, too_long)) return false;
    const int64_t line = lines_->line_number();
    if (too_long) fail(line, cat("line longer than ", kDefaultMaxRecordBytes, " bytes"));
    check_text(record.text, line, "");
    record.domain.clear();
    record.metadata.clear();
    return finish(record, line);
  }

  bool next_delimited(TextRecord& record) {
    if (!records_->next(fields_read_)) return false;
    const int64_t line = fields_read_.line;
    if (!fields_read_.problem.empty()) fail(line, fields_read_.problem);
    std::vector<std::string>& fields = fields_read_.fields;
    if (fields.size() != header_.size())
      fail(line, cat("expected ", header_.size(), " fields as in the header, got ", fields.size()));
    check_text(fields[text_], line, cat(" in column '", fields_.text, "'"));
    record.metadata.clear();
    for (const int column : metadata_) {
      // Copied first: a metadata column may also be the text, id or domain column.
      record.metadata.push_back(fields[column]);
    }
    record.text = std::move(fields[text_]);
    record.id.clear();
    if (id_ >= 0) {
      check_id(fields[id_], line);
      record.id = std::move(fields[id_]);
    }
    record.domain.clear();
    if (domain_ >= 0) {
      check_domain(fields[domain_], line);
      record.domain = std::move(fields[domain_]);
    }
    return finish(record, line);
  }

  // The string value of `key`; a missing key or another type is an error.
  std::string json_string(const nlohmann::json& object, const std::string& key,
                          int64_t line) const {
    const auto it = object.find(key);
    if (it == object.end()) fail(line, cat("missing key '", key, "'"));
    if (!it->is_string())
      fail(line, cat("key '", key, "' must be a string, got ", it->type_name()));
    return it->get<std::string>();
  }

  // Decides on the first record whether ids come from the file, then holds every record to it.
  void read_json_id(const nlohmann::json& object, int64_t line, std::string& id) {
    if (ids_ == IdSource::position && fields_.id.empty()) return;
    const auto it = object.find(fields_.id);
    const bool has_id = it != object.end();
    if (ids_ == IdSource::undecided) {
      if (!has_id && fields_.id_required) fail(line, cat("missing key '", fields_.id, "'"));
      ids_ = has_id ? IdSource::file : IdSource::position;
      ids_decided_on_ = line;
    }
    if (ids_ == IdSource::position) {
      if (has_id)
        fail(line, cat("key '", fields_.id, "' is here but not in the first record (line ",
                       ids_decided_on_,
                       "), whose ids are therefore record positions; give every record an id "
                       "or none"));
      return;
    }
    if (!has_id)
      fail(line, cat("missing key '", fields_.id, "' (the first record, on line ", ids_decided_on_,
                     ", has one; give every record an id or none)"));
    if (it->is_string()) {
      id = it->get<std::string>();
    } else if (it->is_number_integer()) {
      id = it->dump();
    } else {
      fail(line, cat("key '", fields_.id, "' must be a string or an integer, got ", it->type_name(),
                     it->is_number() ? cat(" ", it->dump()) : ""));
    }
    check_id(id, line);
  }

  bool next_json(TextRecord& record) {
    bool too_long = false;
    while (lines_->next(line_text_, too_long)) {
      const int64_t line = lines_->line_number();
      if (too_long) fail(line, cat("line longer than ", kDefaultMaxRecordBytes, " bytes"));
      const Utf8Scan scan = scan_utf8(line_text_);
      if (scan.invalid_at != std::string_view::npos)
        fail(line, cat("line ", invalid_utf8_problem(line_text_, scan.invalid_at)));
      if (std::all_of(line_text_.begin(), line_text_.end(), is_ascii_space)) continue;
      nlohmann::json object;
      try {
        object = nlohmann::json::parse(line_text_);
      } catch (const nlohmann::json::exception& error) {
        fail(line, cat("bad JSON ", json_problem(error)));
      }
      if (!object.is_object()) fail(line, cat("expected a JSON object, got ", object.type_name()));
      record.text = json_string(object, fields_.text, line);
      check_text(record.text, line, cat(" in key '", fields_.text, "'"));
      record.id.clear();
      read_json_id(object, line, record.id);
      record.domain.clear();
      if (!fields_.domain.empty()) {
        record.domain = json_string(object, fields_.domain, line);
        check_domain(record.domain, line);
      }
      record.metadata.clear();
      for (const std::string& key : fields_.metadata) {
        const auto it = object.find(key);
        record.metadata.push_back(it == object.end() ? ""
                                  : it->is_string()  ? it->get<std::string>()
                                                     : it->dump());
      }
      return finish(record, line);
    }
    return false;
  }

  TextFields fields_;
  std::ifstream in_;
  std::unique_ptr<LineReader> lines_;               // lines, jsonl
  std::unique_ptr<DelimitedRecordReader> records_;  // csv, tsv
  std::vector<std::string> header_;
  int text_ = -1, id_ = -1, domain_ = -1;  // column indices; -1: none
  std::vector<int> metadata_;              // column of each metadata field
  IdSource ids_ = IdSource::undecided;
  int64_t ids_decided_on_ = 0;  // jsonl: the line of the first record
  int64_t index_ = 0;
  std::unordered_map<std::string, int64_t> first_line_of_id_;  // ids from the file only
  DelimitedRecord fields_read_;
  std::string line_text_;
};

TextRecordReader::TextRecordReader(const std::string& path, TextFormat format, TextFields fields)
    : impl_(std::make_unique<Impl>(path, format, std::move(fields))) {}

TextRecordReader::~TextRecordReader() = default;

bool TextRecordReader::next(TextRecord& record) { return impl_->next(record); }
int64_t TextRecordReader::bytes_consumed() const { return impl_->bytes_consumed(); }
const std::string& TextRecordReader::path() const { return impl_->path_; }
TextFormat TextRecordReader::format() const { return impl_->format_; }

}  // namespace moe::data
