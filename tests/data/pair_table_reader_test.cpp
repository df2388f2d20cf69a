// Checks the delimited-text splitter (quotes, line breaks in fields, resynchronizing after bad
// records, bounded lines), the UTF-8 checks, and PairTableReader on CSV, TSV and JSON lines:
// columns, labels, domains and every bad-input policy, with file:line in each error.
#include "data/pair_table_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "data/delimited_text.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

namespace {

using moe::data::BadRowPolicy;
using moe::data::DelimitedDialect;
using moe::data::DelimitedRecord;
using moe::data::DelimitedRecordReader;
using moe::data::EmptyTextPolicy;
using moe::data::InvalidUtf8Policy;
using moe::data::LineReader;
using moe::data::PairRow;
using moe::data::PairTableCounts;
using moe::data::PairTableFormat;
using moe::data::PairTableReaderOptions;
namespace fs = std::filesystem;

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

using moe::testing_support::error_of;

// Every record of `text`, problems included.
std::vector<DelimitedRecord> split_all(const std::string& text, DelimitedDialect dialect = {},
                                       std::size_t max_record_bytes = 1 << 20) {
  std::istringstream in(text);
  DelimitedRecordReader reader(in, dialect, max_record_bytes);
  std::vector<DelimitedRecord> records;
  DelimitedRecord record;
  while (reader.next(record)) records.push_back(record);
  return records;
}

using Fields = std::vector<std::string>;

TEST(DelimitedText, QuotedFieldsHoldDelimitersQuotesAndLineBreaks) {
  const auto records = split_all(
      "a,b,label\n"
      "\"x, y\",\"he said \"\"hi\"\"\",1\n"
      "\"multi\nline\n\",plain,0\n"
      "\"\",,\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].fields, (Fields{"a", "b", "label"}));
  EXPECT_EQ(records[1].fields, (Fields{"x, y", "he said \"hi\"", "1"}));
  EXPECT_EQ(records[2].fields, (Fields{"multi\nline\n", "plain", "0"}));
  EXPECT_EQ(records[2].line, 3);
  EXPECT_EQ(records[3].fields, (Fields{"", "", ""}));
  EXPECT_EQ(records[3].line, 6);  // the quoted field took lines 3 to 5
  for (const auto& record : records) EXPECT_EQ(record.problem, "");
}

TEST(DelimitedText, ByteOrderMarkCrlfAndBlankLines) {
  const auto records = split_all(
      "\xEF\xBB\xBF"
      "a,b\r\n\r\n  \r\n\"x\r\ny\",z\r\nlast,row");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, (Fields{"a", "b"}));
  EXPECT_EQ(records[1].fields, (Fields{"x\ny", "z"}));
  EXPECT_EQ(records[1].line, 4);
  EXPECT_EQ(records[2].fields, (Fields{"last", "row"}));  // no final newline
  EXPECT_EQ(records[2].line, 6);
}

TEST(DelimitedText, TabSeparatedWithAndWithoutQuoting) {
  const auto quoted = split_all("a\tb\n\"x\ty\"\t\"q\"\"\"\n", DelimitedDialect{'\t', true});
  ASSERT_EQ(quoted.size(), 2u);
  EXPECT_EQ(quoted[1].fields, (Fields{"x\ty", "q\""}));

  const auto plain = split_all("a\tb\n\"x\"y\t\"z\n\t\n", DelimitedDialect{'\t', false});
  ASSERT_EQ(plain.size(), 3u);  // a line of one tab is a record of two empty fields
  EXPECT_EQ(plain[1].fields, (Fields{"\"x\"y", "\"z"}));
  EXPECT_EQ(plain[2].fields, (Fields{"", ""}));
}

TEST(DelimitedText, BadQuotesAreReportedAndReadingResumesOnTheNextLine) {
  const auto records = split_all(
      "ok,1\n"
      "x\"y,1\n"
      "\"ab\"c,1\n"
      "\"two\nlines\"x,1\n"
      "after,4\n");
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].problem, "");
  EXPECT_MENTIONS(records[1].problem, "quote inside unquoted field 1");
  EXPECT_EQ(records[1].line, 2);
  EXPECT_MENTIONS(records[2].problem, "text after the closing quote of field 1");
  EXPECT_EQ(records[3].line, 4);
  EXPECT_MENTIONS(records[3].problem, "text after the closing quote of field 1 (line 5)");
  EXPECT_EQ(records[4].fields, (Fields{"after", "4"}));
  EXPECT_EQ(records[4].line, 6);
}

TEST(DelimitedText, UnclosedQuoteDropsOnlyItsFirstLine) {
  const auto records = split_all("a,b\n\"open,1\nnext,2\nlast,3\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_MENTIONS(records[1].problem, "quoted field 1 opened on line 2 is never closed");
  EXPECT_EQ(records[2].fields, (Fields{"next", "2"}));
  EXPECT_EQ(records[2].line, 3);
  EXPECT_EQ(records[3].fields, (Fields{"last", "3"}));
  EXPECT_EQ(records[3].line, 4);
}

TEST(DelimitedText, RecordsOverTheLimitAreReportedWithBoundedMemory) {
  const std::string long_line(100, 'x');
  const auto records =
      split_all("a,b\n" + long_line + ",1\n\"open\n" + long_line + "\nok,2\n", {}, 40);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_MENTIONS(records[1].problem, "line longer than 40 bytes");
  EXPECT_EQ(records[2].line, 3);
  EXPECT_MENTIONS(records[2].problem, "still open after 40 bytes");
  EXPECT_EQ(records[3].line, 4);  // the over-long line, read ahead and replayed
  EXPECT_MENTIONS(records[3].problem, "line longer than 40 bytes");
  EXPECT_EQ(records[4].fields, (Fields{"ok", "2"}));
  EXPECT_EQ(records[4].line, 5);
}

TEST(DelimitedText, LineReaderCrossesBlockBoundaries) {
  const std::string big(200000, 'y');  // longer than one read block
  std::istringstream in("first\n" + big + "\r\nlast");
  LineReader lines(in);
  std::string line;
  bool too_long = true;
  ASSERT_TRUE(lines.next(line, too_long));
  EXPECT_EQ(line, "first");
  ASSERT_TRUE(lines.next(line, too_long));
  EXPECT_EQ(line, big);
  EXPECT_FALSE(too_long);
  ASSERT_TRUE(lines.next(line, too_long));
  EXPECT_EQ(line, "last");
  EXPECT_EQ(lines.line_number(), 3);
  EXPECT_EQ(lines.bytes_consumed(), static_cast<int64_t>(6 + big.size() + 2 + 4));
  EXPECT_FALSE(lines.next(line, too_long));
}

TEST(PairTableUtf8, FindsAndReplacesMaximalInvalidSubsequences) {
  using moe::data::find_invalid_utf8;
  using moe::data::replace_invalid_utf8;
  EXPECT_EQ(find_invalid_utf8("plain \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            std::string::npos);
  EXPECT_EQ(find_invalid_utf8("ab\xFF"), 2u);
  EXPECT_EQ(replace_invalid_utf8("a\xFF"
                                 "b"),
            "a" + kReplacement + "b");
  // A truncated sequence is one maximal subpart.
  EXPECT_EQ(replace_invalid_utf8("\xE2\x82"
                                 "x"),
            kReplacement + "x");
  EXPECT_EQ(replace_invalid_utf8("\xF0\x9F\x98"), kReplacement);
  // Overlong forms, surrogates and code points above U+10FFFF: one U+FFFD per byte.
  EXPECT_EQ(replace_invalid_utf8("\xC0\xAF"), kReplacement + kReplacement);
  EXPECT_EQ(replace_invalid_utf8("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);
  EXPECT_EQ(replace_invalid_utf8("\xF4\x90\x80\x80"),
            kReplacement + kReplacement + kReplacement + kReplacement);
  EXPECT_EQ(find_invalid_utf8("\xED\x9F\xBF"), std::string::npos);  // U+D7FF is fine
}

TEST(PairTableFormats, ChosenByExtensionOrByName) {
  using moe::data::pair_table_format_of_path;
  EXPECT_EQ(pair_table_format_of_path("d/train.csv"), PairTableFormat::csv);
  EXPECT_EQ(pair_table_format_of_path("d/train.TSV"), PairTableFormat::tsv);
  EXPECT_EQ(pair_table_format_of_path("train.jsonl"), PairTableFormat::jsonl);
  EXPECT_EQ(pair_table_format_of_path("train.json"), PairTableFormat::jsonl);
  EXPECT_MENTIONS(error_of([] { pair_table_format_of_path("train.parquet"); }), "--format");
  EXPECT_EQ(moe::data::parse_pair_table_format("tsv"), PairTableFormat::tsv);
  EXPECT_MENTIONS(error_of([] { moe::data::parse_pair_table_format("xml"); }), "csv, tsv");
}

// A fresh folder per test, removed afterwards.
class PairTableReading : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& content) const {
    return temp_.write_file(name, content);
  }

  // Every row the reader returns, and its counts.
  static std::vector<PairRow> read_all(const std::string& path,
                                       const PairTableReaderOptions& options,
                                       PairTableCounts* counts = nullptr) {
    moe::data::PairTableReader reader(path, options);
    std::vector<PairRow> rows;
    PairRow row;
    while (reader.next(row)) rows.push_back(row);
    if (counts != nullptr) *counts = reader.counts();
    return rows;
  }

  static PairTableReaderOptions with_default_domain(const std::string& domain = "cardio") {
    PairTableReaderOptions options;
    options.default_domain = domain;
    return options;
  }

  moe::testing_support::ScopedTempDir temp_{"moe_pair_table_reader"};
  const fs::path dir_ = temp_.dir();
};

TEST_F(PairTableReading, CsvWithQuotedCommasQuotesAndLineBreaks) {
  const std::string path = write("pairs.csv",
                                 "a,b,label,domain\n"
                                 "\"Heart, failure\",\"A \"\"quoted\"\" word\",1,cardio\n"
                                 "\"first line\nsecond line\",lungs,0,pulmo\n"
                                 "plain,text,1.0,pulmo\n");
  PairTableCounts counts;
  const auto rows = read_all(path, {}, &counts);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].a, "Heart, failure");
  EXPECT_EQ(rows[0].b, "A \"quoted\" word");
  EXPECT_EQ(rows[0].label, 1.0f);
  EXPECT_EQ(rows[0].domain, "cardio");
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_EQ(rows[1].a, "first line\nsecond line");
  EXPECT_EQ(rows[1].label, 0.0f);
  EXPECT_EQ(rows[1].domain, "pulmo");
  EXPECT_EQ(rows[2].line, 5);
  EXPECT_EQ(counts.rows, 3);
  EXPECT_EQ(counts.kept, 3);
  EXPECT_EQ(counts.skipped(), 0);
}

TEST_F(PairTableReading, TsvWithExtraColumnsAndDefaultDomain) {
  const std::string path = write("pairs.tsv",
                                 "id\ta\tb\tlabel\n"
                                 "7\tone, two\tthree\t1\n"
                                 "8\t\"tab\there\"\tfour\tfalse\n");
  const auto rows = read_all(path, with_default_domain("onco"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].a, "one, two");
  EXPECT_EQ(rows[0].domain, "onco");
  EXPECT_EQ(rows[1].a, "tab\there");
  EXPECT_EQ(rows[1].label, 0.0f);
}

TEST_F(PairTableReading, JsonLinesWithEveryLabelForm) {
  const std::string path = write("pairs.jsonl",
                                 "{\"a\":\"x1\",\"b\":\"y1\",\"label\":1,\"domain\":\"cardio\"}\n"
                                 "\n"
                                 "{\"label\":0.0,\"b\":\"y2\",\"a\":\"x2\",\"extra\":[1,2]}\n"
                                 "{\"a\":\"x3\",\"b\":\"y3\",\"label\":true}\n"
                                 "{\"a\":\"x4\",\"b\":\"y4\",\"label\":\"0.0\"}\n"
                                 "{\"a\":\"x5\",\"b\":\"y5\",\"label\":\"False\"}\r\n");
  const auto rows = read_all(path, with_default_domain("pulmo"));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].domain, "cardio");
  EXPECT_EQ(rows[1].domain, "pulmo");  // no domain key: the default
  EXPECT_EQ(rows[1].line, 3);
  const float expected[] = {1, 0, 1, 0, 0};
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].label, expected[i]) << i;
  EXPECT_EQ(rows[4].a, "x5");
}

TEST_F(PairTableReading, CsvLabelForms) {
  const std::string path = write("labels.csv",
                                 "a,b,label\n"
                                 "x,y,0\nx,y,1\nx,y,0.0\nx,y,1.0\nx,y,true\nx,y,FALSE\nx,y, 1 \n");
  const auto rows = read_all(path, with_default_domain());
  ASSERT_EQ(rows.size(), 7u);
  const float expected[] = {0, 1, 0, 1, 1, 0, 1};
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].label, expected[i]) << i;

  for (const std::string bad : {"2", "0.5", "yes", "", "1.00", "-1"}) {
    const std::string file = write("bad_label.csv", "a,b,label\nx,y," + bad + "\n");
    const std::string message = error_of([&] { read_all(file, with_default_domain()); });
    EXPECT_MENTIONS(message, file + ":2: bad label '" + bad + "' in column 'label'");
  }
  const std::string json = write("bad_label.jsonl", "{\"a\":\"x\",\"b\":\"y\",\"label\":2}\n");
  EXPECT_MENTIONS(error_of([&] { read_all(json, with_default_domain()); }),
                  json + ":1: bad label 2 in key 'label'");
}

TEST_F(PairTableReading, CustomColumnNames) {
  PairTableReaderOptions options;
  options.columns = {"query", "positive", "score", "field"};
  const std::string csv = write("custom.csv", "positive,score,query,field\nB,1,A,neuro\n");
  const auto rows = read_all(csv, options);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].a, "A");
  EXPECT_EQ(rows[0].b, "B");
  EXPECT_EQ(rows[0].domain, "neuro");

  const std::string json = write(
      "custom.jsonl", "{\"query\":\"A\",\"positive\":\"B\",\"score\":0,\"field\":\"neuro\"}\n");
  const auto json_rows = read_all(json, options);
  ASSERT_EQ(json_rows.size(), 1u);
  EXPECT_EQ(json_rows[0].a, "A");
  EXPECT_EQ(json_rows[0].label, 0.0f);

  PairTableReaderOptions same = options;
  same.columns.b = "query";
  EXPECT_MENTIONS(error_of([&] { read_all(csv, same); }), "column name 'query' is given for two");

  // No label column: every row is a positive. No domain column read: the default domain.
  options.columns = {"query", "positive", "", ""};
  options.default_domain = "cardio";
  const auto unlabeled = read_all(csv, options);
  ASSERT_EQ(unlabeled.size(), 1u);
  EXPECT_EQ(unlabeled[0].label, 1.0f);
  EXPECT_EQ(unlabeled[0].domain, "cardio");
}

TEST_F(PairTableReading, MissingHeaderColumnIsNamedWithTheHeader) {
  const std::string path = write("pairs.csv", "text_a,text_b,label\nx,y,1\n");
  const std::string message = error_of([&] { read_all(path, with_default_domain()); });
  EXPECT_MENTIONS(message, path + ":1: no column 'a' in the header");
  EXPECT_MENTIONS(message, "'text_a', 'text_b', 'label'");

  const std::string no_label = write("no_label.csv", "a,b\nx,y\n");
  EXPECT_MENTIONS(error_of([&] { read_all(no_label, with_default_domain()); }),
                  "no column 'label'");

  // Without a domain column a default domain is required.
  const std::string no_domain = write("no_domain.csv", "a,b,label\nx,y,1\n");
  const std::string domain_message = error_of([&] { read_all(no_domain, {}); });
  EXPECT_MENTIONS(domain_message,
                  no_domain + ":1: no column 'domain' in the header and no default");
  EXPECT_MENTIONS(domain_message, "'a', 'b', 'label'");

  const std::string twice = write("twice.csv", "a,b,a,label\nx,y,z,1\n");
  EXPECT_MENTIONS(error_of([&] { read_all(twice, with_default_domain()); }),
                  "column 'a' appears twice in the header (fields 1 and 3)");

  const std::string empty = write("empty.csv", "\n\n");
  EXPECT_MENTIONS(error_of([&] { read_all(empty, with_default_domain()); }),
                  empty + ": empty file; expected a header");
}

// Each kind of malformed row, with the line it is on and what the message must say.
struct MalformedCase {
  std::string name, content;
  int64_t line;
  std::string says;
};

TEST_F(PairTableReading, MalformedRowsFailWithFileAndLine) {
  const std::string header = "a,b,label\nfine,row,1\n";
  const std::vector<MalformedCase> cases = {
      {"fields.csv", header + "only,two\n", 3, "expected 3 fields as in the header, got 2"},
      {"quote.csv", header + "x\"y,b,1\n", 3, "quote inside unquoted field 1"},
      {"after.csv", header + "\"x\"y,b,1\n", 3, "text after the closing quote of field 1"},
      {"open.csv", header + "\"open,b,1\nx,y,1\n", 3,
       "quoted field 1 opened on line 3 is never closed"},
      {"label.csv", header + "x,y,maybe\n", 3, "bad label 'maybe'"},
      {"json.jsonl", "{\"a\":\"x\",\"b\":\"y\",\"label\":1}\n{\"a\":\"x\",\n", 2, "bad JSON"},
      // A number no double holds (found by tests/fuzz/fuzz_pair_table): once an escaped
      // exception, now a row error like any other.
      {"overflow.jsonl", "{\"a\":\"x\",\"b\":\"y\",\"label\":1e999}\n", 1,
       "bad JSON number overflow parsing '1e999'"},
      {"array.jsonl", "[1,2]\n", 1, "expected a JSON object, got array"},
      {"missing.jsonl", "{\"a\":\"x\",\"label\":1}\n", 1, "missing key 'b'"},
      {"number.jsonl", "{\"a\":\"x\",\"b\":5,\"label\":1}\n", 1,
       "key 'b' must be a string, got number"},
      {"nolabel.jsonl", "{\"a\":\"x\",\"b\":\"y\"}\n", 1, "missing key 'label'"},
  };
  for (const MalformedCase& c : cases) {
    const std::string path = write(c.name, c.content);
    const std::string message = error_of([&] { read_all(path, with_default_domain()); });
    EXPECT_MENTIONS(message, path + ":" + std::to_string(c.line) + ": " + c.says);
    EXPECT_MENTIONS(message, "--bad-rows skip");
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
  }
}

TEST_F(PairTableReading, MalformedRowsAreSkippedAndCounted) {
  PairTableReaderOptions options = with_default_domain();
  options.bad_rows = BadRowPolicy::skip;
  const std::string csv = write("mixed.csv",
                                "a,b,label\n"
                                "good,one,1\n"
                                "only,two\n"
                                "x\"y,b,1\n"
                                "x,y,maybe\n"
                                "\"x\"y,b,1\n"
                                "good,two,0\n");
  PairTableCounts counts;
  const auto rows = read_all(csv, options, &counts);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].a, "good");
  EXPECT_EQ(rows[1].line, 7);
  EXPECT_EQ(counts.rows, 6);
  EXPECT_EQ(counts.kept, 2);
  EXPECT_EQ(counts.malformed, 4);
  EXPECT_MENTIONS(counts.first_skipped, csv + ":3: expected 3 fields");

  const std::string json = write("mixed.jsonl",
                                 "{\"a\":\"x\",\"b\":\"y\",\"label\":1}\n"
                                 "not json\n"
                                 "[]\n"
                                 "{\"a\":\"x\",\"label\":1}\n"
                                 "{\"a\":\"x\",\"b\":\"y\",\"label\":\"no\"}\n"
                                 "{\"a\":\"x\",\"b\":\"y\",\"label\":0}\n");
  const auto json_rows = read_all(json, options, &counts);
  EXPECT_EQ(json_rows.size(), 2u);
  EXPECT_EQ(counts.malformed, 4);
  EXPECT_MENTIONS(counts.first_skipped, json + ":2: bad JSON");
}

TEST_F(PairTableReading, EmptyTextIsSkippedOrFails) {
  const std::string path = write("empty.csv",
                                 "a,b,label\n"
                                 "x,y,1\n"
                                 ",y,1\n"
                                 "x,\"  \n \",0\n"
                                 "x,y,0\n");
  PairTableCounts counts;
  const auto rows = read_all(path, with_default_domain(), &counts);  // default: skip
  EXPECT_EQ(rows.size(), 2u);
  EXPECT_EQ(counts.empty_text, 2);
  EXPECT_MENTIONS(counts.first_skipped, path + ":3: column 'a' is empty");

  PairTableReaderOptions options = with_default_domain();
  options.empty_text = EmptyTextPolicy::fail;
  EXPECT_MENTIONS(error_of([&] { read_all(path, options); }), path + ":3: column 'a' is empty");

  const std::string json = write("empty.jsonl", "{\"a\":\"x\",\"b\":\"\",\"label\":1}\n");
  EXPECT_MENTIONS(error_of([&] { read_all(json, options); }), json + ":1: key 'b' is empty");
}

TEST_F(PairTableReading, InvalidUtf8FailsIsSkippedOrRepaired) {
  const std::string csv =
      write("bytes.csv", "a,b,label\nok,fine,1\ncaf\xE9,fine,1\n\"x\xFF\xFEy\",z,0\n");
  PairTableReaderOptions options = with_default_domain();
  const std::string message = error_of([&] { read_all(csv, options); });
  EXPECT_MENTIONS(message, csv + ":3: column 'a' is not valid UTF-8 (byte 0xe9 at offset 3)");
  EXPECT_MENTIONS(message, "--invalid-utf8 repair");

  PairTableCounts counts;
  options.invalid_utf8 = InvalidUtf8Policy::skip;
  EXPECT_EQ(read_all(csv, options, &counts).size(), 1u);
  EXPECT_EQ(counts.invalid_utf8, 2);

  options.invalid_utf8 = InvalidUtf8Policy::repair;
  const auto rows = read_all(csv, options, &counts);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].a, "caf" + kReplacement);
  EXPECT_EQ(rows[2].a, "x" + kReplacement + kReplacement + "y");
  EXPECT_EQ(counts.repaired_utf8, 2);
  EXPECT_EQ(counts.invalid_utf8, 0);

  const std::string json = write("bytes.jsonl", "{\"a\":\"caf\xE9\",\"b\":\"y\",\"label\":1}\n");
  options.invalid_utf8 = InvalidUtf8Policy::fail;
  EXPECT_MENTIONS(error_of([&] { read_all(json, options); }),
                  json + ":1: not valid UTF-8 (byte 0xe9 at column 10)");
  options.invalid_utf8 = InvalidUtf8Policy::repair;
  const auto json_rows = read_all(json, options, &counts);
  ASSERT_EQ(json_rows.size(), 1u);
  EXPECT_EQ(json_rows[0].a, "caf" + kReplacement);
  EXPECT_EQ(counts.repaired_utf8, 1);
}

TEST_F(PairTableReading, DomainsAreValidatedAndCheckedAgainstTheAllowedList) {
  const std::string path = write("domains.csv", "a,b,label,domain\nx,y,1,cardio\nx,y,1,derma\n");
  PairTableReaderOptions options;
  options.allowed_domains = {"cardio", "pulmo"};
  const std::string message = error_of([&] { read_all(path, options); });
  EXPECT_MENTIONS(message,
                  path + ":3: unknown domain 'derma'; the allowed domains are 'cardio', 'pulmo'");

  // Unknown domains fail even when malformed rows are skipped: the list is configuration.
  options.bad_rows = BadRowPolicy::skip;
  EXPECT_MENTIONS(error_of([&] { read_all(path, options); }), "unknown domain 'derma'");

  const std::string bad_name = write("bad_name.csv", "a,b,label,domain\nx,y,1,heart disease\n");
  EXPECT_MENTIONS(error_of([&] { read_all(bad_name, {}); }),
                  bad_name + ":2: domain name \"heart disease\" may only use");

  EXPECT_MENTIONS(error_of([&] { read_all(path, with_default_domain("../x")); }),
                  "default domain: domain name \"../x\"");

  const std::string empty_domain = write("empty_domain.csv", "a,b,label,domain\nx,y,1,\n");
  EXPECT_MENTIONS(error_of([&] { read_all(empty_domain, {}); }),
                  empty_domain + ":2: column 'domain' is empty");

  const std::string json = write("nodomain.jsonl", "{\"a\":\"x\",\"b\":\"y\",\"label\":1}\n");
  EXPECT_MENTIONS(error_of([&] { read_all(json, {}); }),
                  json + ":1: missing key 'domain' and no default domain given");
}

TEST_F(PairTableReading, ExplicitFormatOverridesTheExtension) {
  const std::string path = write("pairs.txt", "a\tb\tlabel\nx\ty\t1\n");
  EXPECT_MENTIONS(error_of([&] { read_all(path, with_default_domain()); }), "--format");
  PairTableReaderOptions options = with_default_domain();
  options.format = PairTableFormat::tsv;
  EXPECT_EQ(read_all(path, options).size(), 1u);
  EXPECT_MENTIONS(error_of([&] { read_all((dir_ / "absent.csv").string(), options); }),
                  "cannot open pair file");
}

}  // namespace
