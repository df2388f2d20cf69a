// Streaming readers for line-based text input: LineReader yields physical lines with bounded
// memory and their line numbers; DelimitedRecordReader splits CSV or TSV into records as
// RFC 4180 defines them (quoted fields may hold the delimiter, "" for a quote, and line
// breaks), each record knowing the line it starts on so that errors can name file:line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <istream>
#include <string>
#include <vector>

namespace moe::data {

// Longest line or record the readers hold in memory (16 MiB). A pair row is a few KiB, so
// anything near this is a file without line breaks or a quote that is never closed.
constexpr std::size_t kDefaultMaxRecordBytes = std::size_t{16} << 20;

// Physical lines from a stream, read in blocks. Lines split on '\n'; one trailing '\r' is
// removed (CRLF files), and a UTF-8 byte-order mark at the start of the input is dropped. A
// final line without '\n' is still a line.
class LineReader {
 public:
  explicit LineReader(std::istream& in, std::size_t max_line_bytes = kDefaultMaxRecordBytes);

  // The next line, or false at the end of the input (or on a read error: check the stream's
  // bad()). A line longer than max_line_bytes comes back cut to that length with too_long set;
  // the rest of it is read and dropped, so the next call starts on the following line.
  bool next(std::string& line, bool& too_long);
  // Number of the line last returned, from 1.
  int64_t line_number() const { return line_number_; }
  // Bytes of input consumed so far (for progress).
  int64_t bytes_consumed() const { return bytes_consumed_; }

 private:
  bool fill();

  std::istream& in_;
  std::size_t max_line_bytes_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
  int64_t line_number_ = 0;
  int64_t bytes_consumed_ = 0;
};

struct DelimitedDialect {
  char delimiter = ',';  // ',' for CSV, '\t' for TSV
  // true: RFC 4180 quoting. false: '"' is an ordinary character, and no field can hold the
  // delimiter or a line break (plain TSV as the IANA definition has it).
  bool quoting = true;
};

struct DelimitedRecord {
  std::vector<std::string> fields;
  int64_t line = 0;  // the physical line the record starts on, from 1
  // Non-empty when the record is malformed; `fields` is then unspecified. Names the field and,
  // when it differs from `line`, the line where the problem is.
  std::string problem;
};

// Splits a stream into records. Blank lines (empty, or only spaces and tabs that are not the
// delimiter) between records are skipped. A line break inside a quoted field is kept as '\n'.
// Malformed records are reported, not thrown, and reading resumes after them:
//  - a quote inside an unquoted field, or text after a closing quote: the record ends with the
//    line where that is found, and the next record starts on the line after it;
//  - a quoted field still open at the end of the input, or a record over max_record_bytes:
//    only the record's first line is dropped, and the next record starts on its second line
//    (the lines read ahead are kept, so memory stays bounded by max_record_bytes).
class DelimitedRecordReader {
 public:
  DelimitedRecordReader(std::istream& in, DelimitedDialect dialect,
                        std::size_t max_record_bytes = kDefaultMaxRecordBytes);

  // The next record, or false at the end of the input (or on a read error: check the
  // stream's bad()).
  bool next(DelimitedRecord& record);
  int64_t bytes_consumed() const { return lines_.bytes_consumed(); }

 private:
  struct Line {
    int64_t number = 0;
    std::string text;
    bool too_long = false;
  };

  bool next_line(Line& line);
  bool is_blank(const std::string& line) const;
  // Splits lines_ from `first` on into fields, reading more lines while a quote is open.
  void split(Line& first, DelimitedRecord& record);
  // Queues the lines read ahead for an unfinished record, so reading resumes on its second line.
  void replay_read_ahead();

  LineReader lines_;
  DelimitedDialect dialect_;
  std::size_t max_record_bytes_;
  std::deque<Line> replay_;       // lines to return before reading more input
  std::vector<Line> read_ahead_;  // lines after the first of the record being split
};

}  // namespace moe::data
