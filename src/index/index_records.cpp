// records.h5 (see index_records.h).
#include "index/index_records.h"

#include "common/error.h"
#include "common/hdf5_file.h"

namespace moe::index {
namespace {
constexpr const char* kRecordsFormat = "moe-embed index records";
}

void write_records(const std::string& path, const IndexRecords& records) {
  MOE_REQUIRE(records.snippets.empty() || records.snippets.size() == records.ids.size(), path, ": ",
              records.snippets.size(), " snippets for ", records.ids.size(), " ids");
  h5::File file = h5::File::create(path);
  const auto count = static_cast<int64_t>(records.ids.size());
  file.set_attribute("/", "format", kRecordsFormat);
  file.set_attribute("/", "count", count);
  file.create_dataset("ids", h5::File::Element::string, {count});
  file.write_string_rows("ids", 0, records.ids);
  if (!records.snippets.empty()) {
    file.create_dataset("snippets", h5::File::Element::string, {count});
    file.write_string_rows("snippets", 0, records.snippets);
  }
  MOE_REQUIRE(records.metadata.size() == records.metadata_names.size(), path,
              ": metadata values for ", records.metadata.size(), " of ",
              records.metadata_names.size(), " fields");
  if (!records.metadata_names.empty()) {
    const auto fields = static_cast<int64_t>(records.metadata_names.size());
    file.create_dataset("metadata_names", h5::File::Element::string, {fields});
    file.write_string_rows("metadata_names", 0, records.metadata_names);
    for (size_t m = 0; m < records.metadata.size(); ++m) {
      MOE_REQUIRE(records.metadata[m].size() == records.ids.size(), path, ": metadata field ",
                  records.metadata_names[m], " has ", records.metadata[m].size(), " values for ",
                  records.ids.size(), " records");
      const std::string dataset = "metadata/" + std::to_string(m);
      file.create_dataset(dataset, h5::File::Element::string, {count});
      file.write_string_rows(dataset, 0, records.metadata[m]);
    }
  }
  for (const auto& [name, rows] : records.parts) file.write<int64_t>("parts/" + name, rows);
  file.close();
}

IndexRecords read_records(const std::string& path) {
  const h5::File file = h5::File::open_read(path);
  MOE_REQUIRE(
      file.has_attribute("/", "format") && file.string_attribute("/", "format") == kRecordsFormat,
      path, " is not a moe-embed index records file (no format attribute \"", kRecordsFormat,
      "\")");
  const int64_t count = file.int_attribute("/", "count");
  MOE_REQUIRE(file.exists("ids"), path,
              ": /ids is missing, so hits cannot be named (rebuild the index)");
  IndexRecords records;
  records.ids = file.read_strings("ids");
  MOE_REQUIRE(static_cast<int64_t>(records.ids.size()) == count, path, ": /ids holds ",
              records.ids.size(), " ids but the index has ", count, " records");
  if (file.exists("snippets")) {
    records.snippets = file.read_strings("snippets");
    MOE_REQUIRE(records.snippets.size() == records.ids.size(), path, ": /snippets holds ",
                records.snippets.size(), " entries for ", count, " records");
  }
  if (file.exists("metadata_names")) {
    records.metadata_names = file.read_strings("metadata_names");
    for (size_t m = 0; m < records.metadata_names.size(); ++m) {
      records.metadata.push_back(file.read_strings("metadata/" + std::to_string(m)));
      MOE_REQUIRE(records.metadata.back().size() == records.ids.size(), path, ": /metadata/", m,
                  " (", records.metadata_names[m], ") holds ", records.metadata.back().size(),
                  " values for ", count, " records");
    }
  }
  if (file.exists("parts")) {
    for (const std::string& name : file.list_datasets("parts")) {
      std::vector<int64_t> rows = file.read<int64_t>("parts/" + name);
      for (const int64_t row : rows) {
        MOE_REQUIRE(row >= 0 && row < count, path, ": /parts/", name, " points at record ", row,
                    ", outside the ", count, " records");
      }
      records.parts[name] = std::move(rows);
    }
  }
  return records;
}

}  // namespace moe::index
