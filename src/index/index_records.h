// records.h5 beside the FAISS files: what a search hit points at. Rows follow the corpus:
//   /ids           [N] strings, the corpus ids
//   /snippets      [N] strings, the start of each text (only when the index was built from a
//   corpus) /parts/<name>  [count] int64, the record row of each vector of part <name>, in the
//   order
//                  the vectors were added (FAISS row r of that part is record parts/<name>[r])
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
  std::map<std::string, std::vector<int64_t>> parts;  // part name -> record rows
};

void write_records(const std::string& path, const IndexRecords& records);
// Errors name the file: missing, not a records file, ids missing, sizes that disagree, a part
// row outside the records.
IndexRecords read_records(const std::string& path);

}  // namespace moe::index
