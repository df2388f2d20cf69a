// Checks the paper JSONL and citation CSV readers and writers: round trips, atomic writes,
// and errors that name file:line for each kind of malformed input.
#include "data/paper_corpus.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "support/expect_error.h"     // error_of
#include "support/scoped_temp_dir.h"  // ScopedTempDir

namespace {

using moe::data::Citation;
using moe::data::Paper;
using moe::testing_support::error_of;
namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class PaperCorpus : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_.path(name); }

  std::string write_raw(const std::string& name, const std::string& content) const {
    const std::string p = path(name);
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  moe::testing_support::ScopedTempDir temp_{"moe_paper_corpus"};
};

TEST_F(PaperCorpus, JsonlRoundTripKeepsEveryCharacter) {
  const std::vector<Paper> papers = {
      {"p1", "cardio", "Plain text."},
      {"p2", "pulmo",
       "Quotes \"here\", back\\slash,\nnew line\ttab and UTF-8: \xC3\xA9\xE2\x82\xAC"},
      {"p,3", "cardio", "{\"not\": \"json\"}"},
  };
  const std::string file = path("papers.jsonl");
  moe::data::write_papers_jsonl(file, papers);
  EXPECT_FALSE(fs::exists(file + ".tmp"));
  const std::vector<Paper> back = moe::data::read_papers_jsonl(file);
  ASSERT_EQ(back.size(), papers.size());
  for (std::size_t i = 0; i < papers.size(); ++i) {
    EXPECT_EQ(back[i].id, papers[i].id);
    EXPECT_EQ(back[i].domain, papers[i].domain);
    EXPECT_EQ(back[i].text, papers[i].text);
  }
  // One line per paper.
  std::ifstream in(file);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, 3);
}

TEST_F(PaperCorpus, JsonlWriteReplacesAnExistingFile) {
  const std::string file = path("papers.jsonl");
  moe::data::write_papers_jsonl(file, {{"a", "d", "one"}, {"b", "d", "two"}});
  moe::data::write_papers_jsonl(file, {{"c", "d", "three"}});
  const auto back = moe::data::read_papers_jsonl(file);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].id, "c");
}

TEST_F(PaperCorpus, JsonlReaderSkipsBlankLinesAndExtraFields) {
  const std::string file =
      write_raw("p.jsonl",
                "{\"id\":\"a\",\"domain\":\"d\",\"text\":\"t\",\"year\":2020}\n\n  \r\n"
                "{\"id\":\"b\",\"domain\":\"d\",\"text\":\"u\"}\r\n");
  const auto back = moe::data::read_papers_jsonl(file);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].text, "u");
}

TEST_F(PaperCorpus, JsonlErrorsNameFileAndLine) {
  const std::string good = "{\"id\":\"a\",\"domain\":\"d\",\"text\":\"t\"}\n";
  struct Case {
    std::string second_line;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"{\"id\":\"b\",\"domain\":\"d\",\"text\":", "bad JSON"},
      {"not json at all", "bad JSON"},
      {"{\"id\":\"b\",\"domain\":\"d\",\"text\":\"t\",\"year\":1e999}",
       "bad JSON number overflow parsing '1e999'"},
      {"[1, 2]", "expected a JSON object"},
      {"{\"id\":\"b\",\"domain\":\"d\"}", "field 'text' is missing"},
      {"{\"domain\":\"d\",\"text\":\"t\"}", "field 'id' is missing"},
      {"{\"id\":\"b\",\"text\":\"t\"}", "field 'domain' is missing"},
      {"{\"id\":\"b\",\"domain\":\"d\",\"text\":\"\"}", "field 'text' is empty"},
      {"{\"id\":7,\"domain\":\"d\",\"text\":\"t\"}", "field 'id' must be a string"},
      {"{\"id\":\"a\",\"domain\":\"d\",\"text\":\"again\"}", "duplicate id 'a' (first on line 1)"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string file =
        write_raw("bad" + std::to_string(i) + ".jsonl", good + cases[i].second_line + "\n");
    const std::string message = error_of([&] { moe::data::read_papers_jsonl(file); });
    EXPECT_NE(message.find(file + ":2: "), std::string::npos) << message;
    EXPECT_NE(message.find(cases[i].expected), std::string::npos) << message;
  }
}

TEST_F(PaperCorpus, JsonlMissingFileIsNamed) {
  const std::string file = path("absent.jsonl");
  const std::string message = error_of([&] { moe::data::read_papers_jsonl(file); });
  EXPECT_NE(message.find("cannot open papers file '" + file + "'"), std::string::npos) << message;
}

TEST_F(PaperCorpus, JsonlWriterRejectsWhatTheReaderWould) {
  const std::string file = path("w.jsonl");
  EXPECT_NE(error_of([&] {
              moe::data::write_papers_jsonl(file, {{"a", "d", "t"}, {"b", "d", ""}});
            }).find("papers[1] (id 'b'): empty text"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              moe::data::write_papers_jsonl(file, {{"a", "d", "t"}, {"a", "d", "u"}});
            }).find("duplicate id 'a'"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              moe::data::write_papers_jsonl(file, {{"a", "d", "bad \xFF byte"}});
            }).find("not valid UTF-8"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".tmp"));
}

TEST_F(PaperCorpus, CsvRoundTripQuotesWhereNeeded) {
  const std::vector<Citation> edges = {{"a", "b"}, {"with,comma", "with\"quote"}, {"\"", "x y"}};
  const std::string file = path("edges.csv");
  moe::data::write_citations_csv(file, edges);
  EXPECT_FALSE(fs::exists(file + ".tmp"));
  const auto back = moe::data::read_citations_csv(file);
  ASSERT_EQ(back.size(), edges.size());
  for (std::size_t i = 0; i < edges.size(); ++i) {
    EXPECT_EQ(back[i].citing_id, edges[i].citing_id);
    EXPECT_EQ(back[i].cited_id, edges[i].cited_id);
  }
  std::ifstream in(file);
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  EXPECT_EQ(header, "citing_id,cited_id");
  EXPECT_EQ(first, "a,b");
}

TEST_F(PaperCorpus, CsvAcceptsBomCrlfAndBlankLines) {
  const std::string file = write_raw("e.csv",
                                     "\xEF\xBB\xBF"
                                     "citing_id,cited_id\r\na,b\r\n\r\n\"c\",d\r\n");
  const auto back = moe::data::read_citations_csv(file);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].citing_id, "c");
  EXPECT_EQ(back[1].cited_id, "d");
}

TEST_F(PaperCorpus, CsvErrorsNameFileAndLine) {
  struct Case {
    std::string content;
    std::string expected;  // after "file:"
  };
  const std::vector<Case> cases = {
      {"a,b\n", "1: expected the header 'citing_id,cited_id', got 'a,b'"},
      {"cited_id,citing_id\n", "1: expected the header"},
      {"citing_id,cited_id\na,b\na,b,c\n", "3: expected 2 fields"},
      {"citing_id,cited_id\na\n", "2: expected 2 fields (citing_id,cited_id), got 1"},
      {"citing_id,cited_id\n,b\n", "2: empty citing_id"},
      {"citing_id,cited_id\na,\n", "2: empty cited_id"},
      {"citing_id,cited_id\n\"a,b\n", "2: unterminated quoted field"},
      {"citing_id,cited_id\n\"a\"x,b\n", "2: text after a closing quote"},
      {"citing_id,cited_id\na\"b,c\n", "2: quote inside an unquoted field"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string file = write_raw("bad" + std::to_string(i) + ".csv", cases[i].content);
    const std::string message = error_of([&] { moe::data::read_citations_csv(file); });
    EXPECT_NE(message.find(file + ":" + cases[i].expected), std::string::npos)
        << "case " << i << ": " << message;
  }
}

TEST_F(PaperCorpus, CsvEmptyFileNeedsHeader) {
  const std::string file = write_raw("empty.csv", "");
  const std::string message = error_of([&] { moe::data::read_citations_csv(file); });
  EXPECT_NE(message.find(file + ": empty file, expected the header 'citing_id,cited_id'"),
            std::string::npos)
      << message;
  // A header alone is a valid, empty edge list.
  EXPECT_TRUE(moe::data::read_citations_csv(write_raw("h.csv", "citing_id,cited_id\n")).empty());
}

TEST_F(PaperCorpus, CsvWriterRejectsEmptyIdsAndLineBreaks) {
  const std::string file = path("w.csv");
  EXPECT_NE(error_of([&] {
              moe::data::write_citations_csv(file, {{"a", "b"}, {"", "b"}});
            }).find("citations[1]: citing_id is empty"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              moe::data::write_citations_csv(file, {{"a", "b\nc"}});
            }).find("contains a line break"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(file));
}

}  // namespace
