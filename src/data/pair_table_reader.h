// Reads ready-made pair files, the form the published datasets ship in: one row per pair with
// two texts, a 0/1 label and optionally a domain, as CSV, TSV or JSON lines. Streams row by
// row and applies the bad-input policies; every problem names file:line.
//
// CSV and TSV: RFC 4180 (see delimited_text.h); the first non-blank record is the header and
// names the columns, every other record must have as many fields. A UTF-8 byte-order mark and
// CRLF line ends are accepted; blank lines are skipped; extra columns are ignored.
// JSON lines: one object per line, keys as column names; blank lines are skipped; other keys
// are ignored. Text, label and domain values must be strings, except the label (below).
// Labels: 0, 1, 0.0, 1.0, true, false (any case; in JSON also numbers and booleans).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/delimited_text.h"  // kDefaultMaxRecordBytes

namespace moe::data {

enum class PairTableFormat { automatic, csv, tsv, jsonl };

// "auto", "csv", "tsv" or "jsonl"; anything else is a moe::Error listing the choices.
PairTableFormat parse_pair_table_format(const std::string& name);
// The format a file name implies (case-insensitive): .csv; .tsv or .tab; .jsonl, .ndjson or
// .json (which must hold JSON lines, not one JSON document). Anything else is a moe::Error
// naming the file and asking for an explicit format.
PairTableFormat pair_table_format_of_path(const std::string& path);

struct PairTableColumns {
  std::string a = "a";
  std::string b = "b";
  std::string label = "label";  // "": the file has no labels; every row is a positive (1)
  // Optional: a file (CSV/TSV header) or row (JSON) without this column gets the default
  // domain. "": never read it; every row gets the default domain.
  std::string domain = "domain";
};

enum class BadRowPolicy { fail, skip };  // malformed rows
enum class EmptyTextPolicy { skip, fail };
enum class InvalidUtf8Policy { fail, skip, repair };

struct PairTableReaderOptions {
  PairTableFormat format = PairTableFormat::automatic;  // automatic: from the file name
  bool quoting = true;  // CSV/TSV: RFC 4180 quotes; false: '"' is an ordinary character
  PairTableColumns columns;
  // Domain of rows without a domain column; validated with domain_name_problem. When empty,
  // a domain column is required.
  std::string default_domain;
  // When non-empty, a row whose domain is not listed fails the read (whatever the policies).
  std::vector<std::string> allowed_domains;
  // Malformed rows: wrong field count, bad quotes, bad JSON or not an object, a missing or
  // non-string column, a bad label, an empty domain, a row over max_row_bytes.
  BadRowPolicy bad_rows = BadRowPolicy::fail;
  // Rows where a or b is empty or only whitespace.
  EmptyTextPolicy empty_text = EmptyTextPolicy::skip;
  // Rows with bytes that are not valid UTF-8 (CSV/TSV: in any field; JSON lines: anywhere on
  // the line, checked before parsing). repair replaces each maximal invalid sequence with
  // U+FFFD (as Python's errors="replace") and keeps the row.
  InvalidUtf8Policy invalid_utf8 = InvalidUtf8Policy::fail;
  std::size_t max_row_bytes = kDefaultMaxRecordBytes;
};

struct PairRow {
  std::string a, b;
  float label = 1.0f;  // 0 or 1
  std::string domain;
  int64_t line = 0;  // the line the row starts on, from 1
};

// What a reader saw. rows = kept + malformed + empty_text + invalid_utf8.
struct PairTableCounts {
  int64_t rows = 0;           // data rows (not the header, not blank lines)
  int64_t kept = 0;           // rows returned by next()
  int64_t malformed = 0;      // skipped under BadRowPolicy::skip
  int64_t empty_text = 0;     // skipped under EmptyTextPolicy::skip
  int64_t invalid_utf8 = 0;   // skipped under InvalidUtf8Policy::skip
  int64_t repaired_utf8 = 0;  // kept rows that InvalidUtf8Policy::repair changed
  std::string first_skipped;  // "file:line: why" of the first skipped row, "" if none
  int64_t skipped() const { return malformed + empty_text + invalid_utf8; }
};

class PairTableReader {
 public:
  // Opens the file and, for CSV/TSV, reads the header. Throws moe::Error when the file cannot
  // be opened, its format is unknown, the a or b column name is empty or two columns share a
  // name, the header is missing or lacks a column (naming the column and listing the header)
  // or names one twice, or the default domain is invalid or not allowed.
  PairTableReader(const std::string& path, const PairTableReaderOptions& options);
  ~PairTableReader();
  PairTableReader(const PairTableReader&) = delete;
  PairTableReader& operator=(const PairTableReader&) = delete;

  // The next usable row, or false at the end of the file. Rows the policies skip are counted;
  // one they fail, an invalid domain name or one outside allowed_domains, or a read error
  // throws moe::Error with one line "file:line: why".
  bool next(PairRow& row);

  const PairTableCounts& counts() const;
  const std::string& path() const;
  PairTableFormat format() const;
  int64_t bytes_read() const;  // for progress
  int64_t file_bytes() const;  // size of the file when opened

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Byte offset of the first invalid UTF-8 sequence in `text`, or std::string_view::npos.
// Overlong forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF are invalid.
std::size_t find_invalid_utf8(std::string_view text);
// `text` with each maximal invalid subsequence (Unicode 15, section 3.9) replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view text);

}  // namespace moe::data
