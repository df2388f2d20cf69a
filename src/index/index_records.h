// records.h5 beside the FAISS files: what a search hit points at. Rows follow the corpus.
//   /ids             [N] strings: the corpus ids
//   /snippets        [N] strings: the start of each text (indexes built from a corpus)
//   /metadata_names  [M] strings, /metadata/<m> [N] strings: the corpus fields named with
//                    --metadata-field, in that order (only when some were named)
//   /parts/<name>    [count] int64: FAISS row r of part <name> is record /parts/<name>[r]
//   root attributes: format ("moe-embed index records"), count.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace moe::index {

struct IndexRecords {
  std::vector<std::string> ids;
  std::vector<std::string> snippets;                  // empty, or one per id
  std::vector<std::string> metadata_names;            // the corpus fields kept, in order
  std::vector<std::vector<std::string>> metadata;     // [field][record]
  std::map<std::string, std::vector<int64_t>> parts;  // part name -> record rows
};

void write_records(const std::string& path, const IndexRecords& records);
// Errors name the file: missing, not a records file, ids missing, sizes that disagree, a part
// row outside the records.
IndexRecords read_records(const std::string& path);

}  // namespace moe::index
