// Checks option declaration rules, value formatting and checks, and the generated --help
// text and Markdown reference.
#include "config/option_table.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

namespace moe::config {
namespace {

OptionTable sample_table() {
  OptionTable t;
  t.add_string("run.dir", "runs/x", "Output directory.").non_empty();
  t.add_int("train.steps", 300, "Optimizer steps.").at_least(1);
  t.add_float("train.lr", 1e-3, "Peak learning rate.").greater_than(0);
  t.add_bool("train.shuffle", true, "Shuffle pairs | each epoch.");
  t.add_choice("dist.dispatch", {"data", "layer"}, "data", "Dispatch mode.");
  t.add_string("data.manifest", "", "Manifest from moe_prep.").required();
  t.add_float("model.dropout", 0.1, "Dropout.").at_least(0).less_than(1);
  return t;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(OptionTable, KeepsDeclarationOrderAndLooksUpKeys) {
  const OptionTable t = sample_table();
  const std::vector<std::string> expected = {"run.dir",       "train.steps",   "train.lr",
                                             "train.shuffle", "dist.dispatch", "data.manifest",
                                             "model.dropout"};
  EXPECT_EQ(t.keys(), expected);
  ASSERT_NE(t.find("train.lr"), nullptr);
  EXPECT_EQ(t.find("train.lr")->type, OptionType::kFloat);
  EXPECT_EQ(t.find("train.nope"), nullptr);
  EXPECT_EQ(t.index_of("dist.dispatch"), 4u);
  EXPECT_TRUE(t.is_section("train"));
  EXPECT_FALSE(t.is_section("train.steps"));
  EXPECT_FALSE(t.is_section("tra"));
  EXPECT_EQ(t.first_key_in("train"), "train.steps");
  EXPECT_TRUE(t.find("data.manifest")->required());
  EXPECT_FALSE(t.find("run.dir")->required());
}

TEST(OptionTable, RejectsBadDeclarations) {
  OptionTable t;
  t.add_int("train.steps", 1, "Steps.");
  EXPECT_THROW(t.add_int("train.steps", 1, "Again."), std::logic_error);
  EXPECT_THROW(t.add_int("Train.x", 1, "Upper case."), std::logic_error);
  EXPECT_THROW(t.add_int("train..x", 1, "Empty component."), std::logic_error);
  EXPECT_THROW(t.add_int(".x", 1, "Leading dot."), std::logic_error);
  EXPECT_THROW(t.add_int("x.", 1, "Trailing dot."), std::logic_error);
  EXPECT_THROW(t.add_int("train a", 1, "Space."), std::logic_error);
  EXPECT_THROW(t.add_int("train", 1, "Is a section."), std::logic_error);
  EXPECT_THROW(t.add_int("train.steps.x", 1, "Inside an option."), std::logic_error);
  EXPECT_THROW(t.add_int("a.b", 0, "Default below min.").at_least(1), std::logic_error);
  EXPECT_THROW(t.add_float("c.d", 0, "Default at exclusive min.").greater_than(0),
               std::logic_error);
  EXPECT_THROW(t.add_choice("e.f", {"x", "y"}, "z", "Default not allowed."), std::logic_error);
  EXPECT_THROW(t.add_choice("g.h", {}, "z", "No choices."), std::logic_error);
  EXPECT_THROW(t.add_string("i.j", "s", "String bound.").at_least(1), std::logic_error);
  EXPECT_THROW(t.add_int("k.l", 1, "Int non-empty.").non_empty(), std::logic_error);
  EXPECT_THROW(t.add_string("m.n", "", "Empty default.").non_empty(), std::logic_error);
  EXPECT_THROW(t.add_int("o.p", 5, "Min above max.").at_most(10).at_least(11), std::logic_error);
}

TEST(FormatValue, PrintsShortestRoundTripText) {
  EXPECT_EQ(format_value(Value{std::int64_t{-42}}), "-42");
  EXPECT_EQ(format_value(Value{0.1}), "0.1");
  EXPECT_EQ(format_value(Value{1e-3}), "0.001");
  EXPECT_EQ(format_value(Value{1e-12}), "1e-12");
  EXPECT_EQ(format_value(Value{20.0}), "20.0");
  EXPECT_EQ(format_value(Value{0.1 + 0.2}), "0.30000000000000004");
  EXPECT_EQ(format_value(Value{true}), "true");
  EXPECT_EQ(format_value(Value{false}), "false");
  EXPECT_EQ(format_value(Value{std::string("runs/a")}), "runs/a");
}

TEST(ConstraintText, DescribesRangesChoicesAndEmptiness) {
  const OptionTable t = sample_table();
  EXPECT_EQ(constraint_text(*t.find("train.steps")), ">= 1");
  EXPECT_EQ(constraint_text(*t.find("train.lr")), "> 0");
  EXPECT_EQ(constraint_text(*t.find("model.dropout")), "[0, 1)");
  EXPECT_EQ(constraint_text(*t.find("dist.dispatch")), "data, layer");
  EXPECT_EQ(constraint_text(*t.find("run.dir")), "non-empty");
  EXPECT_EQ(constraint_text(*t.find("train.shuffle")), "");
  EXPECT_EQ(constraint_text(*t.find("data.manifest")), "");
}

TEST(CheckValue, NamesTheViolatedRule) {
  const OptionTable t = sample_table();
  EXPECT_EQ(check_value(*t.find("train.lr"), Value{-1.0}, "-1"), "must be > 0, got -1");
  EXPECT_EQ(check_value(*t.find("train.lr"), Value{0.5}, "0.5"), std::nullopt);
  EXPECT_EQ(check_value(*t.find("train.steps"), Value{std::int64_t{0}}, "0"),
            "must be >= 1, got 0");
  EXPECT_EQ(check_value(*t.find("model.dropout"), Value{1.0}, "1"), "must be < 1, got 1");
  EXPECT_EQ(check_value(*t.find("dist.dispatch"), Value{std::string("foo")}, "foo"),
            "must be one of data, layer; got 'foo'");
  EXPECT_EQ(check_value(*t.find("run.dir"), Value{std::string()}, ""), "must not be empty");
}

TEST(HelpText, HasAnAlignedLinePerOption) {
  const OptionTable t = sample_table();
  const std::vector<std::string> lines = lines_of(t.help_text());
  ASSERT_EQ(lines.size(), t.options().size());
  std::size_t help_column = std::string::npos;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Option& option = t.options()[i];
    EXPECT_EQ(lines[i].find("  " + option.key + " "), 0u) << lines[i];
    EXPECT_NE(lines[i].find(type_name(option.type)), std::string::npos) << lines[i];
    const std::size_t column = lines[i].find(option.help);
    ASSERT_NE(column, std::string::npos) << lines[i];
    if (help_column == std::string::npos) help_column = column;
    EXPECT_EQ(column, help_column) << "help text not aligned: " << lines[i];
  }
  const std::string help = t.help_text();
  EXPECT_NE(help.find("(required)"), std::string::npos);
  EXPECT_NE(help.find("0.001"), std::string::npos);
  EXPECT_NE(help.find("Peak learning rate. [range: > 0]"), std::string::npos);
  EXPECT_NE(help.find("Dispatch mode. [one of: data, layer]"), std::string::npos);
  EXPECT_NE(help.find("Dropout. [range: [0, 1)]"), std::string::npos);
  EXPECT_NE(help.find("Output directory. [non-empty]"), std::string::npos);
}

TEST(MarkdownReference, HasHeaderAndARowPerOption) {
  const OptionTable t = sample_table();
  const std::vector<std::string> lines = lines_of(t.markdown_reference());
  ASSERT_EQ(lines.size(), t.options().size() + 2);
  EXPECT_EQ(lines[0], "| Key | Type | Default | Allowed | Description |");
  EXPECT_EQ(lines[1].rfind("|---", 0), 0u);
  for (std::size_t i = 0; i < t.options().size(); ++i)
    EXPECT_EQ(lines[i + 2].rfind("| `" + t.options()[i].key + "` |", 0), 0u) << lines[i + 2];
  EXPECT_EQ(lines[3], "| `train.steps` | int | `300` | >= 1 | Optimizer steps. |");
  EXPECT_EQ(lines[5],
            "| `train.shuffle` | bool | `true` | true, false | Shuffle pairs \\| each "
            "epoch. |");
  EXPECT_EQ(lines[6], "| `dist.dispatch` | choice | `data` | data, layer | Dispatch mode. |");
  EXPECT_EQ(lines[7], "| `data.manifest` | string | *required* | any | Manifest from moe_prep. |");
}

}  // namespace
}  // namespace moe::config
