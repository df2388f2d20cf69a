// Reading and writing paper records (JSONL) and citation edges (CSV), declared in
// paper_corpus.h.
#include "data/paper_corpus.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>  // JSONL records
#include <unordered_map>
#include <utility>

#include "common/error.h"
#include "common/json_problem.h"  // moe::Error, MOE_REQUIRE

namespace moe::data {
namespace {

const char* const kCitationHeader = "citing_id,cited_id";

// Writes through path+".tmp" and renames it onto `path` once every byte reached the file, so
// an interrupted run leaves the previous file (or none) rather than a truncated one.
template <typename WriteBody>
void write_atomically(const std::string& path, const char* what, WriteBody&& write_body) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    MOE_REQUIRE(out.is_open(), "cannot create ", what, " file '", tmp, "': ", std::strerror(errno));
    write_body(out);
    out.flush();
    const bool ok = static_cast<bool>(out);
    out.close();
    if (!ok || out.fail()) {
      std::remove(tmp.c_str());
      throw Error(cat("failed writing ", what, " file '", tmp, "' (disk full?)"));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error(cat("cannot rename '", tmp, "' to '", path, "': ", std::strerror(err)));
  }
}

std::ifstream open_for_reading(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  MOE_REQUIRE(in.is_open(), "cannot open ", what, " file '", path, "': ", std::strerror(errno));
  return in;
}

bool is_blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

void strip_carriage_return(std::string& line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
}

// Returns the string field `key` of a JSONL record or throws naming file:line.
std::string string_field(const nlohmann::json& record, const char* key, const std::string& where) {
  const auto it = record.find(key);
  MOE_REQUIRE(it != record.end(), where, ": field '", key, "' is missing");
  MOE_REQUIRE(it->is_string(), where, ": field '", key, "' must be a string, got ",
              it->type_name());
  std::string value = it->get<std::string>();
  MOE_REQUIRE(!value.empty(), where, ": field '", key, "' is empty");
  return value;
}

// Splits one CSV record into fields (RFC 4180 quoting, no line breaks inside fields).
// Returns an empty string on success, else what is wrong.
std::string split_csv_record(const std::string& line, std::vector<std::string>& fields) {
  fields.clear();
  std::size_t pos = 0;
  while (true) {
    std::string field;
    if (pos < line.size() && line[pos] == '"') {
      ++pos;
      while (true) {
        if (pos >= line.size())
          return "unterminated quoted field (line breaks inside fields are not supported)";
        if (line[pos] == '"') {
          if (pos + 1 < line.size() && line[pos + 1] == '"') {
            field += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        field += line[pos++];
      }
      if (pos < line.size() && line[pos] != ',') return "text after a closing quote";
    } else {
      const std::size_t end = line.find(',', pos);
      field = line.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      if (field.find('"') != std::string::npos) return "quote inside an unquoted field";
      pos = end == std::string::npos ? line.size() : end;
    }
    fields.push_back(std::move(field));
    if (pos >= line.size()) return "";
    ++pos;  // the comma; a trailing comma yields a final empty field
    if (pos == line.size()) {
      fields.emplace_back();
      return "";
    }
  }
}

void append_csv_field(std::string& out, const std::string& field) {
  if (field.find_first_of(",\"") == std::string::npos) {
    out += field;
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void check_citation_id(const std::string& id, std::size_t index, const char* role) {
  MOE_REQUIRE(!id.empty(), "citations[", index, "]: ", role, " is empty");
  MOE_REQUIRE(id.find_first_of("\r\n") == std::string::npos, "citations[", index, "]: ", role, " '",
              id, "' contains a line break");
}

}  // namespace

void write_papers_jsonl(const std::string& path, const std::vector<Paper>& papers) {
  std::unordered_map<std::string, std::size_t> first_index;
  first_index.reserve(papers.size());
  std::vector<std::string> lines;
  lines.reserve(papers.size());
  for (std::size_t i = 0; i < papers.size(); ++i) {
    const Paper& p = papers[i];
    MOE_REQUIRE(!p.id.empty(), "papers[", i, "]: empty id");
    MOE_REQUIRE(!p.domain.empty(), "papers[", i, "] (id '", p.id, "'): empty domain");
    MOE_REQUIRE(!p.text.empty(), "papers[", i, "] (id '", p.id, "'): empty text");
    const auto [it, inserted] = first_index.emplace(p.id, i);
    MOE_REQUIRE(inserted, "papers[", i, "]: duplicate id '", p.id, "' (first at papers[",
                it->second, "])");
    nlohmann::json record = {{"id", p.id}, {"domain", p.domain}, {"text", p.text}};
    try {
      lines.push_back(record.dump());
    } catch (const nlohmann::json::type_error& e) {
      throw Error(cat("papers[", i, "] (id '", p.id, "'): not valid UTF-8 (", e.what(), ")"));
    }
  }
  write_atomically(path, "papers", [&](std::ofstream& out) {
    for (const std::string& line : lines) out << line << '\n';
  });
}

std::vector<Paper> read_papers_jsonl(const std::string& path) {
  std::ifstream in = open_for_reading(path, "papers");
  std::vector<Paper> papers;
  std::unordered_map<std::string, std::size_t> first_line;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (is_blank(line)) continue;
    const std::string where = cat(path, ":", line_number);
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(cat(where, ": bad JSON ", json_problem(e)));
    }
    MOE_REQUIRE(record.is_object(), where, ": expected a JSON object, got ", record.type_name());
    Paper paper;
    paper.id = string_field(record, "id", where);
    paper.domain = string_field(record, "domain", where);
    paper.text = string_field(record, "text", where);
    const auto [it, inserted] = first_line.emplace(paper.id, line_number);
    MOE_REQUIRE(inserted, where, ": duplicate id '", paper.id, "' (first on line ", it->second,
                ")");
    papers.push_back(std::move(paper));
  }
  MOE_REQUIRE(!in.bad(), "failed reading papers file '", path, "'");
  return papers;
}

void write_citations_csv(const std::string& path, const std::vector<Citation>& citations) {
  for (std::size_t i = 0; i < citations.size(); ++i) {
    check_citation_id(citations[i].citing_id, i, "citing_id");
    check_citation_id(citations[i].cited_id, i, "cited_id");
  }
  write_atomically(path, "citations", [&](std::ofstream& out) {
    out << kCitationHeader << '\n';
    std::string row;
    for (const Citation& c : citations) {
      row.clear();
      append_csv_field(row, c.citing_id);
      row += ',';
      append_csv_field(row, c.cited_id);
      row += '\n';
      out << row;
    }
  });
}

std::vector<Citation> read_citations_csv(const std::string& path) {
  std::ifstream in = open_for_reading(path, "citations");
  std::string line;
  std::size_t line_number = 0;
  std::vector<std::string> fields;

  // The header is the first non-blank line.
  bool have_header = false;
  while (!have_header && std::getline(in, line)) {
    ++line_number;
    if (line_number == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    strip_carriage_return(line);
    if (is_blank(line)) continue;
    MOE_REQUIRE(line == kCitationHeader, path, ":", line_number, ": expected the header '",
                kCitationHeader, "', got '", line, "'");
    have_header = true;
  }
  MOE_REQUIRE(have_header, path, ": empty file, expected the header '", kCitationHeader, "'");

  std::vector<Citation> citations;
  while (std::getline(in, line)) {
    ++line_number;
    strip_carriage_return(line);
    if (is_blank(line)) continue;
    const std::string problem = split_csv_record(line, fields);
    MOE_REQUIRE(problem.empty(), path, ":", line_number, ": ", problem);
    MOE_REQUIRE(fields.size() == 2, path, ":", line_number, ": expected 2 fields (",
                kCitationHeader, "), got ", fields.size());
    MOE_REQUIRE(!fields[0].empty(), path, ":", line_number, ": empty citing_id");
    MOE_REQUIRE(!fields[1].empty(), path, ":", line_number, ": empty cited_id");
    citations.push_back(Citation{std::move(fields[0]), std::move(fields[1])});
  }
  MOE_REQUIRE(!in.bad(), "failed reading citations file '", path, "'");
  return citations;
}

}  // namespace moe::data
