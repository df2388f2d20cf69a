// Paper and citation records, and their on-disk forms: papers as JSONL (one object per line:
// {"id": ..., "domain": ..., "text": ...}), citation edges as CSV with the header
// "citing_id,cited_id". Readers reject malformed input with errors that name file:line.
#pragma once

#include <string>
#include <vector>

namespace moe::data {

// One abstract. `id` is unique within a corpus; `domain` names its expert (e.g. "cardio").
struct Paper {
  std::string id;
  std::string domain;
  std::string text;
};

// A directed reference: paper `citing_id` cites paper `cited_id`.
struct Citation {
  std::string citing_id;
  std::string cited_id;
};

// Writes one JSON object per paper to path+".tmp", then renames it onto `path`, so a reader
// never sees a half-written file. Rejects papers the reader would reject (empty id, domain or
// text; duplicate id) and text that is not valid UTF-8, naming the paper.
void write_papers_jsonl(const std::string& path, const std::vector<Paper>& papers);

// Reads papers written by write_papers_jsonl (or any tool producing the same JSONL). Blank
// lines are skipped and fields other than id/domain/text are ignored. Throws moe::Error naming
// file:line for bad JSON, a missing or non-string field, an empty id/domain/text, or an id seen
// before (with the line of its first use).
std::vector<Paper> read_papers_jsonl(const std::string& path);

// Writes the header "citing_id,cited_id" and one edge per line (fields quoted as in RFC 4180
// only where they contain a comma or a quote) to path+".tmp", then renames it onto `path`.
// Ids must be non-empty and free of line breaks.
void write_citations_csv(const std::string& path, const std::vector<Citation>& citations);

// Reads an edge list with the header "citing_id,cited_id" (a UTF-8 byte-order mark and CRLF
// line ends are accepted; blank lines are skipped). Throws moe::Error naming file:line for a
// missing or wrong header, a row without exactly two fields, an empty id or a broken quote.
std::vector<Citation> read_citations_csv(const std::string& path);

}  // namespace moe::data
