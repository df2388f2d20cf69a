// Checks TextRecordReader on each format (lines, CSV, TSV, JSON lines): ids from the file or
// from positions, line numbers, quoting, CRLF and byte-order marks, and every bad-input error
// with the file:line it names; and the format names and detection by file name.
#include "data/text_records.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

namespace {

using moe::data::TextFields;
using moe::data::TextFormat;
using moe::data::TextRecord;
using moe::testing_support::error_of;
using moe::testing_support::ScopedTempDir;

// Every record of the file.
std::vector<TextRecord> read_all(const std::string& path, TextFormat format,
                                 const TextFields& fields = {}) {
  moe::data::TextRecordReader reader(path, format, fields);
  std::vector<TextRecord> records;
  TextRecord record;
  while (reader.next(record)) records.push_back(record);
  return records;
}

// The error reading `content` (written to `name`) raises; "" and a test failure when none.
std::string read_error(const ScopedTempDir& temp, const std::string& name,
                       const std::string& content, TextFormat format,
                       const TextFields& fields = {}) {
  const std::string path = temp.write_file(name, content);
  return error_of([&] { read_all(path, format, fields); });
}

// Text and id fields under other names (the id optional).
TextFields named(const std::string& text, const std::string& id = "id") {
  TextFields fields;
  fields.text = text;
  fields.id = id;
  return fields;
}

TextFields with_domain(const std::string& domain) {
  TextFields fields;
  fields.domain = domain;
  return fields;
}

TextFields id_required(const std::string& id = "id") {
  TextFields fields;
  fields.id = id;
  fields.id_required = true;
  return fields;
}

TEST(TextFormat, DetectedFromTheFileNameIgnoringCase) {
  using moe::data::text_format_of_path;
  EXPECT_EQ(text_format_of_path("d/in.jsonl"), TextFormat::jsonl);
  EXPECT_EQ(text_format_of_path("d/in.NDJSON"), TextFormat::jsonl);
  EXPECT_EQ(text_format_of_path("in.Json"), TextFormat::jsonl);
  EXPECT_EQ(text_format_of_path("in.CSV"), TextFormat::csv);
  EXPECT_EQ(text_format_of_path("in.tsv"), TextFormat::tsv);
  EXPECT_EQ(text_format_of_path("in.tab"), TextFormat::tsv);
  EXPECT_EQ(text_format_of_path("in.txt"), TextFormat::lines);
  EXPECT_EQ(text_format_of_path("d.csv/texts"), TextFormat::lines);  // no extension
  EXPECT_EQ(text_format_of_path("in.parquet"), TextFormat::lines);
}

TEST(TextFormat, ParsedFromItsNameAndBack) {
  for (const TextFormat format :
       {TextFormat::jsonl, TextFormat::csv, TextFormat::tsv, TextFormat::lines})
    EXPECT_EQ(moe::data::parse_text_format(moe::data::text_format_name(format)), format);
  EXPECT_EQ(moe::data::text_format_name(TextFormat::lines), "lines");
  const std::string message = error_of([] { moe::data::parse_text_format("xml"); });
  EXPECT_MENTIONS(message, "unknown text file format 'xml'");
  EXPECT_MENTIONS(message, "jsonl, csv, tsv or lines");
}

TEST(TextRecordReader, LinesGiveOneTextPerLineWithPositionIds) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.write_file(
      "in.txt",
      "\xEF\xBB\xBF"
      "first text\r\nsecond, with \"quotes\"\r\n\xC3\xA9t\xC3\xA9 \xE2\x82\xAC\nno final newline");
  const auto records = read_all(path, TextFormat::lines);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].text, "first text");  // the byte-order mark and '\r' are dropped
  EXPECT_EQ(records[1].text, "second, with \"quotes\"");
  EXPECT_EQ(records[2].text, "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC");
  EXPECT_EQ(records[3].text, "no final newline");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(records[i].id, std::to_string(i));
    EXPECT_EQ(records[i].index, i);
    EXPECT_EQ(records[i].line, i + 1);
    EXPECT_EQ(records[i].domain, "");
  }
}

TEST(TextRecordReader, LinesRejectBlankLinesNamingThem) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.path("in.txt");
  EXPECT_MENTIONS(read_error(temp, "in.txt", "a\nb\n\nc\n", TextFormat::lines),
                  path + ":3: empty text; remove the line");
  EXPECT_MENTIONS(read_error(temp, "in.txt", "a\n \t\r\n", TextFormat::lines),
                  path + ":2: empty text; remove the line");
  // U+00A0 and U+3000 are white space too: the tokenizer would leave nothing.
  EXPECT_MENTIONS(read_error(temp, "in.txt", "a\nb\n\xC2\xA0\xE3\x80\x80\n", TextFormat::lines),
                  path + ":3: empty text; remove the line");
}

TEST(TextRecordReader, LinesTakeNoDomainOrIdField) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.write_file("in.txt", "a\n");
  EXPECT_MENTIONS(error_of([&] { read_all(path, TextFormat::lines, with_domain("domain")); }),
                  path + ": a per-text domain needs jsonl, csv or tsv input");
  EXPECT_MENTIONS(error_of([&] { read_all(path, TextFormat::lines, id_required("doc")); }),
                  path + ": an id field needs jsonl, csv or tsv input");
  EXPECT_EQ(read_all(path, TextFormat::lines, named("body", "doc")).size(), 1u);
}

TEST(TextRecordReader, CsvQuotedFieldsHoldCommasQuotesAndLineBreaks) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.write_file("in.csv",
                                           "\xEF\xBB\xBF"
                                           "id,text,extra\r\n"
                                           "a1,\"x, y and \"\"z\"\"\",ignored\r\n"
                                           "\r\n"
                                           "a2,\"two\r\nlines\",\r\n"
                                           "a3,plain,");
  const auto records = read_all(path, TextFormat::csv);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].id, "a1");
  EXPECT_EQ(records[0].text, "x, y and \"z\"");
  EXPECT_EQ(records[0].line, 2);
  EXPECT_EQ(records[1].id, "a2");
  EXPECT_EQ(records[1].text, "two\nlines");
  EXPECT_EQ(records[1].line, 4);  // after the blank line 3
  EXPECT_EQ(records[2].id, "a3");
  EXPECT_EQ(records[2].line, 6);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(records[i].index, i);
}

TEST(TextRecordReader, CsvWithoutAnIdColumnUsesPositions) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.write_file("in.csv", "title,body\nt,first\nu,second\n");
  const auto records = read_all(path, TextFormat::csv, named("body"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].id, "0");
  EXPECT_EQ(records[0].text, "first");
  EXPECT_EQ(records[1].id, "1");
  EXPECT_EQ(records[1].line, 3);
}

TEST(TextRecordReader, TsvQuotesTabsAndReadsDomains) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.write_file(
      "in.tsv", "doc\tfield\tbody\nd1\tcardio\t\"tab\there\"\nd2\toncology\tplain text\n");
  const auto records = read_all(path, TextFormat::tsv, TextFields{"body", "doc", true, "field"});
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].id, "d1");
  EXPECT_EQ(records[0].text, "tab\there");
  EXPECT_EQ(records[0].domain, "cardio");
  EXPECT_EQ(records[1].id, "d2");
  EXPECT_EQ(records[1].domain, "oncology");
}

TEST(TextRecordReader, CsvHeaderMustNameTheTextColumn) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.path("in.csv");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "\nid,body\n1,x\n", TextFormat::csv),
                  path + ":2: no column 'text' in the header; it has 'id', 'body'");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "", TextFormat::csv),
                  path + ": empty file; expected a header naming the text column 'text'");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "text,id,text\n", TextFormat::csv),
                  path + ":1: column 'text' appears twice in the header (fields 1 and 3)");
}

TEST(TextRecordReader, CsvNamedIdAndDomainColumnsMustExist) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.path("in.csv");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "text\nx\n", TextFormat::csv, id_required("doc")),
                  path + ":1: no column 'doc' in the header; it has 'text'");
  EXPECT_MENTIONS(
      read_error(temp, "in.csv", "id,text\n1,x\n", TextFormat::csv, with_domain("domain")),
      path + ":1: no column 'domain' in the header; it has 'id', 'text'");
}

TEST(TextRecordReader, CsvRecordsNeedTheHeadersFieldCount) {
  ScopedTempDir temp("text_records");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "id,text\n1,x\n2,y,z\n", TextFormat::csv),
                  temp.path("in.csv") + ":3: expected 2 fields as in the header, got 3");
  EXPECT_MENTIONS(read_error(temp, "in.tsv", "id\ttext\n1\n", TextFormat::tsv),
                  temp.path("in.tsv") + ":2: expected 2 fields as in the header, got 1");
}

TEST(TextRecordReader, CsvMalformedRecordsReportTheReadersProblem) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.path("in.csv");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "id,text\n1,ok\n2,bad \"quote\n", TextFormat::csv),
                  path + ":3: quote inside unquoted field 2");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "id,text\n1,\"never closed\n", TextFormat::csv),
                  path + ":2: quoted field 2 opened on line 2 is never closed");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "id,\"te\"xt\n", TextFormat::csv),
                  path + ":1: bad header: text after the closing quote of field 2");
}

TEST(TextRecordReader, CsvEmptyTextsAndIdsAreErrors) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.path("in.csv");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "id,text\n1,x\n2,\"  \"\n", TextFormat::csv),
                  path + ":3: empty text in column 'text'");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "id,text\n,x\n", TextFormat::csv),
                  path + ":2: empty id in column 'id'");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "id,text\n\"a\nb\",x\n", TextFormat::csv),
                  path + ":2: id 'a b' holds a line break");
}

TEST(TextRecordReader, CsvDomainsMustBeValidNames) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.path("in.csv");
  EXPECT_MENTIONS(
      read_error(temp, "in.csv", "text,d\nx,cardio\ny,\n", TextFormat::csv, with_domain("d")),
      path + ":3: column 'd': domain name \"\" must have 1 to 64 characters");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "text,d\nx,a/b\n", TextFormat::csv, with_domain("d")),
                  path + ":2: column 'd': domain name \"a/b\"");
}

TEST(TextRecordReader, JsonLinesTakeStringAndIntegerIds) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.write_file(
      "in.jsonl",
      "{\"id\": \"doc-1\", \"text\": \"first\", \"domain\": \"cardio\", \"other\": [1, 2]}\r\n"
      "\n"
      "   \n"
      "{\"text\": \"line\\nbreak \\u00e9\", \"id\": 42, \"domain\": \"oncology\"}\n"
      "{\"id\": -7, \"text\": \"third\", \"domain\": \"cardio\"}");
  const auto records = read_all(path, TextFormat::jsonl, with_domain("domain"));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].id, "doc-1");
  EXPECT_EQ(records[0].text, "first");
  EXPECT_EQ(records[0].domain, "cardio");
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].id, "42");
  EXPECT_EQ(records[1].text, "line\nbreak \xC3\xA9");
  EXPECT_EQ(records[1].domain, "oncology");
  EXPECT_EQ(records[1].line, 4);  // blank lines are skipped but counted
  EXPECT_EQ(records[1].index, 1);
  EXPECT_EQ(records[2].id, "-7");
  EXPECT_EQ(records[2].line, 5);
}

TEST(TextRecordReader, JsonLinesWithoutIdsUsePositions) {
  ScopedTempDir temp("text_records");
  const std::string path =
      temp.write_file("in.jsonl", "\xEF\xBB\xBF{\"text\": \"a\"}\n\n{\"text\": \"b\", \"n\": 1}\n");
  const auto records = read_all(path, TextFormat::jsonl);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].id, "0");
  EXPECT_EQ(records[0].text, "a");
  EXPECT_EQ(records[1].id, "1");
  EXPECT_EQ(records[1].line, 3);
  // With no id field named at all, an "id" key is just another key.
  TextFields no_ids;
  no_ids.id = "";
  const std::string mixed =
      temp.write_file("mixed.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\", \"id\": 5}\n");
  EXPECT_EQ(read_all(mixed, TextFormat::jsonl, no_ids)[1].id, "1");
}

TEST(TextRecordReader, JsonLinesMustBeObjects) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.path("in.jsonl");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\"\n", TextFormat::jsonl),
      path + ":2: bad JSON at column");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl", "{\"text\": \"a\", \"n\": -1e999}\n", TextFormat::jsonl),
      path + ":1: bad JSON number overflow parsing '-1e999'");
  EXPECT_MENTIONS(read_error(temp, "in.jsonl", "\n[\"text\"]\n", TextFormat::jsonl),
                  path + ":2: expected a JSON object, got array");
}

TEST(TextRecordReader, JsonLinesTextMustBeANonEmptyString) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.path("in.jsonl");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl", "{\"text\": \"a\"}\n{\"body\": \"b\"}\n", TextFormat::jsonl),
      path + ":2: missing key 'text'");
  EXPECT_MENTIONS(read_error(temp, "in.jsonl", "{\"text\": 3}\n", TextFormat::jsonl),
                  path + ":1: key 'text' must be a string, got number");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl", "{\"text\": \"a\"}\n{\"text\": \" \\t\"}\n", TextFormat::jsonl),
      path + ":2: empty text in key 'text'");
}

TEST(TextRecordReader, JsonLinesIdsMustBeStringsOrIntegers) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.path("in.jsonl");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl", "{\"id\": 1.5, \"text\": \"a\"}\n", TextFormat::jsonl),
      path + ":1: key 'id' must be a string or an integer, got number 1.5");
  EXPECT_MENTIONS(read_error(temp, "in.jsonl",
                             "{\"id\": \"a\", \"text\": \"a\"}\n{\"id\": null, \"text\": \"b\"}\n",
                             TextFormat::jsonl),
                  path + ":2: key 'id' must be a string or an integer, got null");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl", "{\"id\": \"\", \"text\": \"a\"}\n", TextFormat::jsonl),
      path + ":1: empty id in key 'id'");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl", "{\"id\": \"a\\r\\nb\", \"text\": \"a\"}\n", TextFormat::jsonl),
      path + ":1: id 'a  b' holds a line break");
}

TEST(TextRecordReader, JsonLinesFirstRecordWithAnIdRequiresOneEverywhere) {
  ScopedTempDir temp("text_records");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl",
                 "\n{\"id\": \"a\", \"text\": \"x\"}\n{\"id\": \"b\", \"text\": \"y\"}\n"
                 "{\"text\": \"z\"}\n",
                 TextFormat::jsonl),
      temp.path("in.jsonl") + ":4: missing key 'id' (the first record, on line 2, has one");
}

TEST(TextRecordReader, JsonLinesFirstRecordWithoutAnIdForbidsLaterOnes) {
  ScopedTempDir temp("text_records");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl",
                 "{\"text\": \"x\"}\n{\"text\": \"y\"}\n{\"id\": 2, \"text\": \"z\"}\n",
                 TextFormat::jsonl),
      temp.path("in.jsonl") + ":3: key 'id' is here but not in the first record (line 1)");
}

TEST(TextRecordReader, NamedIdFieldIsRequired) {
  ScopedTempDir temp("text_records");
  EXPECT_MENTIONS(read_error(temp, "in.jsonl", "\n\n{\"id\": \"a\", \"text\": \"x\"}\n",
                             TextFormat::jsonl, id_required("doc_id")),
                  temp.path("in.jsonl") + ":3: missing key 'doc_id'");
  const std::string path = temp.write_file("ok.jsonl", "{\"doc_id\": \"a\", \"text\": \"x\"}\n");
  EXPECT_EQ(read_all(path, TextFormat::jsonl, id_required("doc_id"))[0].id, "a");
}

TEST(TextRecordReader, JsonLinesDomainsMustBeValidStrings) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.path("in.jsonl");
  const TextFields fields = with_domain("field");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl", "{\"text\": \"a\", \"field\": \"cardio\"}\n{\"text\": \"b\"}\n",
                 TextFormat::jsonl, fields),
      path + ":2: missing key 'field'");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl", "{\"text\": \"a\", \"field\": 1}\n", TextFormat::jsonl, fields),
      path + ":1: key 'field' must be a string, got number");
  EXPECT_MENTIONS(read_error(temp, "in.jsonl", "{\"text\": \"a\", \"field\": \".x\"}\n",
                             TextFormat::jsonl, fields),
                  path + ":1: key 'field': domain name \".x\" must not start with '.'");
}

TEST(TextRecordReader, InvalidUtf8IsAnErrorNamingTheLine) {
  ScopedTempDir temp("text_records");
  EXPECT_MENTIONS(read_error(temp, "in.txt", "ok\nab\xFF\n", TextFormat::lines),
                  temp.path("in.txt") + ":2: text is not valid UTF-8 (byte 0xff at offset 2)");
  // An overlong '/' and a surrogate are not UTF-8 either.
  EXPECT_MENTIONS(read_error(temp, "in.txt", "\xC0\xAF\n", TextFormat::lines),
                  temp.path("in.txt") + ":1: text is not valid UTF-8 (byte 0xc0 at offset 0)");
  EXPECT_MENTIONS(
      read_error(temp, "in.csv", "id,text\n1,ok\n2,\"x\n\xED\xA0\x80\"\n", TextFormat::csv),
      temp.path("in.csv") + ":3: text in column 'text' is not valid UTF-8 (byte 0xed at offset 2)");
  EXPECT_MENTIONS(read_error(temp, "in.csv", "id,text\n\xE2\x82,x\n", TextFormat::csv),
                  temp.path("in.csv") + ":2: id '\xE2\x82' is not valid UTF-8");
  EXPECT_MENTIONS(
      read_error(temp, "in.jsonl", "{\"text\": \"a\"}\n{\"text\": \"\xF4\x90\x80\x80\"}\n",
                 TextFormat::jsonl),
      temp.path("in.jsonl") + ":2: line is not valid UTF-8 (byte 0xf4 at offset 10)");
}

TEST(TextRecordReader, DuplicateIdsNameBothLines) {
  ScopedTempDir temp("text_records");
  EXPECT_MENTIONS(
      read_error(temp, "in.csv", "id,text\na,x\nb,\"multi\nline\"\nc,z\na,w\n", TextFormat::csv),
      temp.path("in.csv") + ":6: duplicate id 'a' (first on line 2)");
  // An integer id and the string of its digits are the same id.
  EXPECT_MENTIONS(read_error(temp, "in.jsonl",
                             "{\"id\": 7, \"text\": \"x\"}\n\n{\"id\": \"7\", \"text\": \"y\"}\n",
                             TextFormat::jsonl),
                  temp.path("in.jsonl") + ":3: duplicate id '7' (first on line 1)");
}

TEST(TextRecordReader, FieldNamesMustBeUsable) {
  ScopedTempDir temp("text_records");
  const std::string path = temp.write_file("in.csv", "text\nx\n");
  EXPECT_MENTIONS(error_of([&] { read_all(path, TextFormat::csv, named("")); }),
                  path + ": the text field name must not be empty");
  EXPECT_MENTIONS(error_of([&] { read_all(path, TextFormat::csv, named("text", "text")); }),
                  path + ": field name 'text' is given for two fields");
  EXPECT_MENTIONS(error_of([&] { read_all(path, TextFormat::jsonl, with_domain("text")); }),
                  path + ": field name 'text' is given for two fields");
}

TEST(TextRecordReader, UnreadableFileIsNamed) {
  ScopedTempDir temp("text_records");
  const std::string missing = temp.path("missing.jsonl");
  EXPECT_MENTIONS(error_of([&] { read_all(missing, TextFormat::jsonl); }),
                  "cannot open text file '" + missing + "'");
}

TEST(TextRecordReader, BytesConsumedReachesTheFileSizeAndPathIsKept) {
  ScopedTempDir temp("text_records");
  const std::string content = "id,text\n1,\"a\nb\"\n2,c\r\n";
  const std::string path = temp.write_file("in.csv", content);
  moe::data::TextRecordReader reader(path, TextFormat::csv, {});
  EXPECT_EQ(reader.path(), path);
  EXPECT_EQ(reader.format(), TextFormat::csv);
  TextRecord record;
  int64_t previous = reader.bytes_consumed();
  while (reader.next(record)) {
    EXPECT_GE(reader.bytes_consumed(), previous);
    previous = reader.bytes_consumed();
  }
  EXPECT_EQ(reader.bytes_consumed(), static_cast<int64_t>(content.size()));
}

}  // namespace

namespace {

TEST(TextRecordReader, MetadataFieldsTravelWithEachRecord) {
  ScopedTempDir temp("moe_text_records_test");
  TextFields fields;
  fields.metadata = {"title", "year"};
  const std::string csv =
      temp.write_file("m.csv", "id,title,text,year\np1,\"Heart, failing\",Some text,2019\n");
  const auto rows = read_all(csv, TextFormat::csv, fields);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].metadata, (std::vector<std::string>{"Heart, failing", "2019"}));
  // JSON lines: a missing key gives "", a number its JSON text.
  const std::string jsonl = temp.write_file(
      "m.jsonl", "{\"text\": \"a\", \"title\": \"T\", \"year\": 2020}\n{\"text\": \"b\"}\n");
  const auto lines = read_all(jsonl, TextFormat::jsonl, fields);
  EXPECT_EQ(lines[0].metadata, (std::vector<std::string>{"T", "2020"}));
  EXPECT_EQ(lines[1].metadata, (std::vector<std::string>{"", ""}));
  EXPECT_MENTIONS(read_error(temp, "n.csv", "id,text\np1,x\n", TextFormat::csv, fields),
                  "n.csv:1: no column 'title' in the header");
  fields.metadata = {"id", "id"};
  EXPECT_MENTIONS(read_error(temp, "d.csv", "id,text\np1,x\n", TextFormat::csv, fields),
                  "metadata field 'id' is named twice");
  fields.metadata = {"id", "text"};  // repeating the id and text fields is fine
  const auto repeated =
      read_all(temp.write_file("r.csv", "id,text\np1,x y\n"), TextFormat::csv, fields);
  EXPECT_EQ(repeated[0].metadata, (std::vector<std::string>{"p1", "x y"}));
  EXPECT_EQ(repeated[0].id, "p1");
  EXPECT_MENTIONS(read_error(temp, "l.txt", "x\n", TextFormat::lines, fields),
                  "metadata fields need jsonl, csv or tsv input");
}

}  // namespace
