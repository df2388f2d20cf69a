// Checks what moe_index search prints: snippets cut on UTF-8 boundaries with whitespace
// squeezed, text lines people can read, and JSON lines a program can parse.
#include "index/search_output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using moe::index::make_snippet;

namespace {

TEST(SearchOutput, SnippetsSqueezeWhitespaceAndCutOnCharacters) {
  EXPECT_EQ(make_snippet("  a\n\tb  c ", 100), "a b c");
  EXPECT_EQ(make_snippet("abcdef", 3), "abc...");
  EXPECT_EQ(make_snippet("abc", 0), "");
  // "é" is two bytes (C3 A9): a cut after its first byte backs off to before it.
  EXPECT_EQ(make_snippet("ab\xC3\xA9z", 3), "ab...");
  EXPECT_EQ(make_snippet("ab\xC3\xA9z", 4), "ab\xC3\xA9...");
}

TEST(SearchOutput, TextAndJsonLinesCarryEveryHit) {
  moe::index::QueryAnswer answer;
  answer.query_id = "q1";
  answer.query = "chest pain";
  answer.part = "cardio";
  answer.routed = true;
  answer.hits = {{4, "doc4", 0.875f, "Angina in...", {{"year", "2019"}}},
                 {9, "doc9", 0.5f, "", {}}};
  EXPECT_EQ(moe::index::render_text(answer),
            "query q1 (part cardio, routed): chest pain\n"
            "   1  0.8750  doc4  year: 2019  Angina in...\n"
            "   2  0.5000  doc9\n");
  const auto json = nlohmann::json::parse(moe::index::render_json_line(answer));
  EXPECT_EQ(json["query_id"], "q1");
  EXPECT_EQ(json["part"], "cardio");
  EXPECT_EQ(json["routed"], true);
  ASSERT_EQ(json["hits"].size(), 2u);
  EXPECT_EQ(json["hits"][0]["rank"], 1);
  EXPECT_EQ(json["hits"][0]["id"], "doc4");
  EXPECT_DOUBLE_EQ(json["hits"][0]["score"].get<double>(), 0.875);
  EXPECT_EQ(json["hits"][0]["snippet"], "Angina in...");
  EXPECT_EQ(json["hits"][0]["metadata"]["year"], "2019");
  EXPECT_FALSE(json["hits"][1].contains("snippet"));
  EXPECT_FALSE(json["hits"][1].contains("metadata"));
  answer.hits.clear();
  EXPECT_NE(moe::index::render_text(answer).find("no hits"), std::string::npos);
}

}  // namespace
