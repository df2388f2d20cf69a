// Reads the texts moe_embed embeds, one record (id, text, optional domain) at a time, from
// JSON lines, CSV, TSV or plain lines. Streams the file; memory is bounded except for the map
// of ids already seen (duplicate ids are an error). Every problem is a moe::Error
// "file:line: why" and stops the read: output rows are matched to inputs by id, so nothing
// is skipped silently.
//
// lines: one text per physical line; the id is the line's 0-based position. A blank line is
//   an error (skipping it would shift every later id). No id or domain fields.
// csv, tsv: RFC 4180 (see delimited_text.h; tsv has quoting on too). The first non-blank
//   record is the header; every other record must have as many fields; extra columns are
//   ignored; blank lines between records are skipped. The text column must exist, the domain
//   column too when one is named; the id column may be absent (unless id_required), and then
//   ids are the records' 0-based positions.
// jsonl: one object per line; blank lines are skipped; other keys are ignored. text and
//   domain must be strings, the id a string or an integer (used as its decimal text). The
//   first record decides where ids come from: when it has the id key every record must have
//   it; when it does not (and !id_required) ids are positions and no record may have it.
// Every format: a UTF-8 byte-order mark and CRLF line ends are accepted; texts must be valid
//   UTF-8 and not empty or only whitespace (Unicode spaces included); ids must be non-empty,
//   valid UTF-8, without line breaks, and unique; domains must pass domain_name_problem.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace moe::data {

enum class TextFormat { jsonl, csv, tsv, lines };

// "jsonl", "csv", "tsv" or "lines" ("auto" is the caller's: text_format_of_path); anything
// else is a moe::Error listing the choices.
TextFormat parse_text_format(const std::string& name);
// The format a file name implies (case-insensitive): .jsonl, .ndjson or .json (which must hold
// JSON lines, not one document) -> jsonl; .csv -> csv; .tsv or .tab -> tsv; anything else
// (.txt, no extension) -> lines.
TextFormat text_format_of_path(const std::string& path);
std::string text_format_name(TextFormat format);

// Column (csv, tsv) or key (jsonl) names. Unused by the lines format.
struct TextFields {
  std::string text = "text";  // required
  std::string id = "id";      // optional unless id_required; "": ids are always positions
  bool id_required = false;   // the user named the id field: a file without it is an error
  std::string domain;         // "": no per-text domain; else required on every record
  // Further columns (csv, tsv: each must be in the header) or keys (jsonl: a missing key
  // gives "", a value that is not a string its JSON text) carried along as metadata. They
  // may repeat the text, id or domain field, not each other.
  std::vector<std::string> metadata;
};

struct TextRecord {
  std::string id;
  std::string text;
  std::string domain;                 // "" unless TextFields::domain is set
  std::vector<std::string> metadata;  // one value per TextFields::metadata name
  int64_t line = 0;                   // the physical line the record starts on, from 1
  int64_t index = 0;                  // 0-based position among the records
};

class TextRecordReader {
 public:
  // Opens the file and, for csv/tsv, reads the header. Throws moe::Error when the file cannot
  // be opened, the field names are unusable (an empty text name, two fields sharing a name, a
  // domain or a required id with the lines format), or the header is missing or lacks a
  // required column (naming it and listing the header's columns).
  TextRecordReader(const std::string& path, TextFormat format, TextFields fields);
  ~TextRecordReader();
  TextRecordReader(const TextRecordReader&) = delete;
  TextRecordReader& operator=(const TextRecordReader&) = delete;

  // The next record, or false at the end of the file. Throws moe::Error "PATH:LINE: why" for
  // a bad record (see the rules above) or a read error.
  bool next(TextRecord& record);

  int64_t bytes_consumed() const;  // bytes of the file read so far, for progress
  const std::string& path() const;
  TextFormat format() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moe::data
