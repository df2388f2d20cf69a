// LineReader and DelimitedRecordReader (see delimited_text.h).
#include "data/delimited_text.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/error.h"  // moe::cat

namespace moe::data {
namespace {

constexpr std::size_t kReadBlockBytes = std::size_t{1} << 16;

// " (line N)" when a problem was found on a later line than the one the record starts on.
std::string on_line(int64_t number, int64_t record_line) {
  return number == record_line ? std::string() : cat(" (line ", number, ")");
}

}  // namespace

LineReader::LineReader(std::istream& in, std::size_t max_line_bytes)
    : in_(in),
      max_line_bytes_(std::max<std::size_t>(max_line_bytes, 1)),
      buffer_(kReadBlockBytes) {}

bool LineReader::fill() {
  begin_ = end_ = 0;
  if (!in_) return false;
  in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  end_ = static_cast<std::size_t>(in_.gcount());
  return end_ > 0;
}

bool LineReader::next(std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  bool any = false;
  while (true) {
    if (begin_ == end_ && !fill()) {
      if (!any) return false;
      break;  // a last line without '\n'
    }
    any = true;
    const char* start = buffer_.data() + begin_;
    const std::size_t available = end_ - begin_;
    const char* newline = static_cast<const char*>(std::memchr(start, '\n', available));
    const std::size_t length = newline ? static_cast<std::size_t>(newline - start) : available;
    const std::size_t room = max_line_bytes_ - line.size();  // line never exceeds the maximum
    if (length > room) {
      line.append(start, room);
      too_long = true;
    } else {
      line.append(start, length);
    }
    begin_ += length;
    bytes_consumed_ += static_cast<int64_t>(length);
    if (newline) {
      ++begin_;
      ++bytes_consumed_;
      break;
    }
  }
  ++line_number_;
  if (line_number_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
  if (!too_long && !line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

DelimitedRecordReader::DelimitedRecordReader(std::istream& in, DelimitedDialect dialect,
                                             std::size_t max_record_bytes)
    : lines_(in, max_record_bytes), dialect_(dialect), max_record_bytes_(max_record_bytes) {}

bool DelimitedRecordReader::next_line(Line& line) {
  if (!replay_.empty()) {
    line = std::move(replay_.front());
    replay_.pop_front();
    return true;
  }
  if (!lines_.next(line.text, line.too_long)) return false;
  line.number = lines_.line_number();
  return true;
}

bool DelimitedRecordReader::is_blank(const std::string& line) const {
  for (const char c : line) {
    if (c == dialect_.delimiter || (c != ' ' && c != '\t')) return false;
  }
  return true;
}

void DelimitedRecordReader::replay_read_ahead() {
  for (auto it = read_ahead_.rbegin(); it != read_ahead_.rend(); ++it)
    replay_.push_front(std::move(*it));
  read_ahead_.clear();
}

bool DelimitedRecordReader::next(DelimitedRecord& record) {
  Line first;
  do {
    if (!next_line(first)) return false;
  } while (!first.too_long && is_blank(first.text));
  split(first, record);
  return true;
}

void DelimitedRecordReader::split(Line& first, DelimitedRecord& record) {
  record.fields.clear();
  record.problem.clear();
  record.line = first.number;
  read_ahead_.clear();
  if (first.too_long) {
    record.problem = cat("line longer than ", max_record_bytes_, " bytes");
    return;
  }
  const char delimiter = dialect_.delimiter;
  if (!dialect_.quoting) {
    std::size_t begin = 0;
    while (true) {
      const std::size_t end = first.text.find(delimiter, begin);
      record.fields.push_back(first.text.substr(begin, end - begin));
      if (end == std::string::npos) return;
      begin = end + 1;
    }
  }

  const std::string* line = &first.text;
  int64_t number = first.number;
  std::size_t record_bytes = line->size();
  std::size_t i = 0;  // position in *line
  std::string field;
  while (true) {  // one field per pass, starting at i
    field.clear();
    const std::size_t field_number = record.fields.size() + 1;
    if (i < line->size() && (*line)[i] == '"') {
      const int64_t opened_on = number;
      ++i;
      while (true) {
        const std::size_t quote = line->find('"', i);
        if (quote == std::string::npos) {  // the field goes on over a line break
          field.append(*line, i, std::string::npos);
          field += '\n';
          Line next;
          if (!next_line(next)) {
            record.problem = cat("quoted field ", field_number, " opened on line ", opened_on,
                                 " is never closed");
            replay_read_ahead();
            return;
          }
          record_bytes += next.text.size() + 1;
          read_ahead_.push_back(std::move(next));
          if (read_ahead_.back().too_long || record_bytes > max_record_bytes_) {
            record.problem = cat("quoted field ", field_number, " opened on line ", opened_on,
                                 " is still open after ", max_record_bytes_,
                                 " bytes (a quote that is never closed?)");
            replay_read_ahead();
            return;
          }
          line = &read_ahead_.back().text;
          number = read_ahead_.back().number;
          i = 0;
          continue;
        }
        field.append(*line, i, quote - i);
        if (quote + 1 < line->size() && (*line)[quote + 1] == '"') {  // "" is one quote
          field += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      if (i < line->size() && (*line)[i] != delimiter) {
        record.problem = cat("text after the closing quote of field ", field_number,
                             on_line(number, record.line));
        return;
      }
    } else {
      const std::size_t end = std::min(line->find(delimiter, i), line->size());
      if (std::memchr(line->data() + i, '"', end - i) != nullptr) {
        record.problem =
            cat("quote inside unquoted field ", field_number,
                " (quote the whole field and double the quote)", on_line(number, record.line));
        return;
      }
      field.assign(*line, i, end - i);
      i = end;
    }
    record.fields.push_back(std::move(field));
    if (i >= line->size()) return;
    ++i;  // the delimiter; a delimiter at the end of the line leaves one more, empty field
  }
}

}  // namespace moe::data
