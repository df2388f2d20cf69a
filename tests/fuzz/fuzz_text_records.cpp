// Fuzz target: the readers of text tables: moe_embed's inputs (TextRecordReader in its four
// formats, with and without id and domain fields) and moe_prep's paper corpus (papers JSON
// lines, citations CSV). Byte 0 picks the reader; the rest is the file.
#include <string_view>

#include "common/error.h"
#include "data/paper_corpus.h"
#include "data/text_records.h"
#include "fuzz_support.h"

namespace {

void read_text_records(std::string_view bytes, int choice) {
  using moe::data::TextFormat;
  static const TextFormat formats[4] = {TextFormat::jsonl, TextFormat::csv, TextFormat::tsv,
                                        TextFormat::lines};
  static const char* names[4] = {"in.jsonl", "in.csv", "in.tsv", "in.txt"};
  const TextFormat format = formats[choice % 4];
  moe::data::TextFields fields;
  if (format != TextFormat::lines && (choice / 4) % 2 == 1) fields.domain = "domain";
  if ((choice / 8) % 2 == 1) fields.id_required = format != TextFormat::lines;
  const moe::fuzz::FuzzInputFile file(bytes, names[choice % 4]);
  moe::data::TextRecordReader reader(file.path(), format, fields);
  moe::data::TextRecord record;
  int64_t index = 0;
  while (reader.next(record)) {
    // What a reader hands out obeys its contract.
    if (record.text.empty() || record.id.empty() || record.index != index++ || record.line < 1)
      std::abort();
    if (!fields.domain.empty() && record.domain.empty()) std::abort();
  }
}

}  // namespace

namespace moe::fuzz {
std::vector<std::string> fuzz_seeds() {
  // Byte 0: papers (0), citations (1), else text records of choice (byte - 2) / 3.
  const auto records = [](int choice) { return std::string(1, static_cast<char>(2 + 3 * choice)); };
  return {std::string(1, '\x00') +
              "{\"id\": \"p1\", \"domain\": \"cardio\", \"text\": \"Heart failure\"}\n\n"
              "{\"id\": \"p2\", \"domain\": \"pulmo\", \"text\": \"COPD\", \"year\": 2020}\n",
          std::string(1, '\x01') +
              "\xef\xbb\xbf"
              "citing_id,cited_id\r\np1,p2\n\"p,1\",p3\n",
          records(0) +
              "{\"id\": \"p1\", \"text\": \"Heart failure\"}\n{\"id\": 2, \"text\": \"COPD\"}\n",
          records(5) + "id,text,domain\n1,\"Lung, \"\"quoted\"\"\",pulmo\r\n2,Skin,derma\n",
          records(2) + "id\ttext\nA\tMelanoma\t\n",
          records(3) +
              "\xef\xbb\xbf"
              "first line\nsecond line\n",
          records(8) + "{\"text\": \"no id\"}\n"};
}
}  // namespace moe::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 3) {
      case 0: {
        const moe::fuzz::FuzzInputFile file(bytes, "papers.jsonl");
        moe::data::read_papers_jsonl(file.path());
        break;
      }
      case 1: {
        const moe::fuzz::FuzzInputFile file(bytes, "citations.csv");
        moe::data::read_citations_csv(file.path());
        break;
      }
      default:
        read_text_records(bytes, data[0] / 3);
    }
  } catch (const moe::Error&) {
    // Refusing an input with a clear error is allowed.
  }
  return 0;
}
