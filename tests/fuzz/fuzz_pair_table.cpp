// Fuzz target: moe_prep's pair tables (CSV, TSV, JSON lines) under every combination of its
// policies (quoting, labels, domain column, bad rows, empty texts, invalid UTF-8). Byte 0
// picks the format and policies; the rest is the file.
#include <string_view>

#include "common/error.h"
#include "data/pair_table_reader.h"
#include "fuzz_support.h"

namespace {

using moe::data::PairTableReaderOptions;

PairTableReaderOptions options_for(int choice, const char** name) {
  using moe::data::PairTableFormat;
  static const char* names[3] = {"pairs.csv", "pairs.tsv", "pairs.jsonl"};
  static const PairTableFormat formats[3] = {PairTableFormat::csv, PairTableFormat::tsv,
                                             PairTableFormat::jsonl};
  PairTableReaderOptions o;
  *name = names[choice % 3];
  o.format = formats[choice % 3];
  choice /= 3;
  o.quoting = choice % 2 == 0;
  if ((choice >> 1) & 1) o.columns.label = "";
  if ((choice >> 2) & 1) o.columns.domain = "";
  o.default_domain = ((choice >> 3) & 1) ? "" : "cardio";
  o.bad_rows = ((choice >> 4) & 1) ? moe::data::BadRowPolicy::skip : moe::data::BadRowPolicy::fail;
  o.empty_text =
      ((choice >> 5) & 1) ? moe::data::EmptyTextPolicy::fail : moe::data::EmptyTextPolicy::skip;
  static const moe::data::InvalidUtf8Policy utf8[3] = {moe::data::InvalidUtf8Policy::fail,
                                                       moe::data::InvalidUtf8Policy::skip,
                                                       moe::data::InvalidUtf8Policy::repair};
  o.invalid_utf8 = utf8[(choice >> 6) % 3];
  o.max_row_bytes = 4096;
  return o;
}

}  // namespace

namespace moe::fuzz {
std::vector<std::string> fuzz_seeds() {
  return {std::string(1, '\x00') + "a,b,label,domain\n\"x, y\",z,1,cardio\r\nq,r,0,pulmo\n\n",
          std::string(1, '\x01') + "a\tb\nleft\tright\n",
          std::string(1, '\x02') +
              "{\"a\": \"x\", \"b\": \"y\", \"label\": 1, \"domain\": \"derma\"}\n",
          std::string(1, '\x05') + "a,b,label\n\"unterminated,b,1\n",
          std::string(1, '\x0b') + "{\"a\": \"\\u00e9\", \"b\": \"\xff\"}\n"};
}
}  // namespace moe::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const char* name = nullptr;
  const PairTableReaderOptions options = options_for(data[0], &name);
  const moe::fuzz::FuzzInputFile file(
      std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), name);
  try {
    moe::data::PairTableReader reader(file.path(), options);
    moe::data::PairRow row;
    while (reader.next(row)) {
      // Rows handed out obey the reader's contract.
      if (row.domain.empty() || (row.label != 0.0f && row.label != 1.0f) || row.line < 1)
        std::abort();
      // Whatever the policy (fail, skip or repair), no invalid UTF-8 gets through.
      if (moe::data::find_invalid_utf8(row.a) != std::string_view::npos ||
          moe::data::find_invalid_utf8(row.b) != std::string_view::npos)
        std::abort();
    }
    const moe::data::PairTableCounts& counts = reader.counts();
    if (counts.kept + counts.skipped() > counts.rows) std::abort();
  } catch (const moe::Error&) {
    // Refusing an input with a clear error is allowed.
  }
  return 0;
}
