// Checks how Config resolves defaults, YAML files and --set overrides, and the exact shape of
// every user-facing error (file:line, key, suggestion).
#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "support/scoped_temp_dir.h"  // ScopedTempDir

namespace moe::config {
namespace {

OptionTable test_table() {
  OptionTable t;
  t.add_string("run.dir", "runs/x", "Output directory.").non_empty();
  t.add_string("run.note", "plain", "Free text.");
  t.add_int("train.steps", 300, "Optimizer steps.").at_least(1);
  t.add_float("train.lr", 1e-3, "Peak learning rate.").greater_than(0);
  t.add_bool("train.shuffle", true, "Shuffle pairs.");
  t.add_int("train.offset", 0, "Any integer.");
  t.add_choice("dist.dispatch", {"data", "layer"}, "data", "Dispatch mode.");
  t.add_string("data.manifest", "", "Manifest from moe_prep.").required();
  t.add_float("model.dropout", 0.1, "Dropout.").at_least(0).at_most(1);
  return t;
}

const std::vector<std::string> kManifest = {"data.manifest=m.json"};

// The moe::Error message `f` throws, or a failure marker when it throws nothing.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const moe::Error& e) {
    return e.what();
  }
  return "<no moe::Error thrown>";
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string load_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  return error_of([&] { Config::load_text(test_table(), yaml, "configs/x.yaml", overrides); });
}

// Each test gets a fresh directory for its YAML files, removed afterwards.
class ConfigFileTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = temp_.path(name);
    std::ofstream(path) << text;
    return path;
  }

  moe::testing_support::ScopedTempDir temp_{"moe_config_test"};
};

// --- values and priority ---------------------------------------------------------------

TEST(Config, DefaultsWithoutAFile) {
  const Config c = Config::from_overrides(test_table(), kManifest);
  EXPECT_EQ(c.get_string("run.dir"), "runs/x");
  EXPECT_EQ(c.get_int("train.steps"), 300);
  EXPECT_DOUBLE_EQ(c.get_float("train.lr"), 1e-3);
  EXPECT_TRUE(c.get_bool("train.shuffle"));
  EXPECT_EQ(c.get_string("dist.dispatch"), "data");
  EXPECT_EQ(c.get_string("data.manifest"), "m.json");
  EXPECT_EQ(c.source("train.steps"), Source::kDefault);
  EXPECT_EQ(c.source("data.manifest"), Source::kOverride);
}

TEST_F(ConfigFileTest, LoadsNestedMapsFromAFile) {
  const std::string path = write("a.yaml",
                                 "# a comment\n"
                                 "run:\n"
                                 "  dir: runs/a\n"
                                 "train:\n"
                                 "  steps: 1000\n"
                                 "  lr: 5e-4\n"
                                 "  shuffle: no\n"
                                 "dist: {dispatch: layer}\n"
                                 "data:\n"
                                 "  manifest: \"data/manifest.json\"\n");
  const Config c = Config::load_file(test_table(), path);
  EXPECT_EQ(c.get_string("run.dir"), "runs/a");
  EXPECT_EQ(c.get_int("train.steps"), 1000);
  EXPECT_DOUBLE_EQ(c.get_float("train.lr"), 5e-4);
  EXPECT_FALSE(c.get_bool("train.shuffle"));
  EXPECT_EQ(c.get_string("dist.dispatch"), "layer");
  EXPECT_EQ(c.get_string("data.manifest"), "data/manifest.json");
  EXPECT_EQ(c.source("train.steps"), Source::kFile);
  EXPECT_EQ(c.source("model.dropout"), Source::kDefault);
}

TEST_F(ConfigFileTest, PriorityIsDefaultThenFileThenSet) {
  const std::string path = write("p.yaml", "train: {steps: 10, lr: 0.5}\ndata: {manifest: f}\n");
  const Config c = Config::load_file(test_table(), path, {"train.steps=20", "train.steps=30"});
  EXPECT_EQ(c.get_int("train.steps"), 30);  // the last --set wins
  EXPECT_EQ(c.source("train.steps"), Source::kOverride);
  EXPECT_DOUBLE_EQ(c.get_float("train.lr"), 0.5);
  EXPECT_EQ(c.source("train.lr"), Source::kFile);
  EXPECT_DOUBLE_EQ(c.get_float("model.dropout"), 0.1);
  EXPECT_EQ(c.source("model.dropout"), Source::kDefault);
  EXPECT_STREQ(source_name(Source::kDefault), "default");
  EXPECT_STREQ(source_name(Source::kFile), "file");
  EXPECT_STREQ(source_name(Source::kOverride), "--set");
}

TEST_F(ConfigFileTest, MissingFileNamesPathAndReason) {
  const std::string path = temp_.path("nope.yaml");
  EXPECT_EQ(error_of([&] { Config::load_file(test_table(), path, kManifest); }),
            "config " + path + ": cannot open: No such file or directory");
  EXPECT_EQ(error_of([&] { Config::load_file(test_table(), temp_.dir().string(), kManifest); }),
            "config " + temp_.dir().string() + ": cannot open: is a directory");
}

TEST(Config, EmptyFileAndEmptySectionsSetNothing) {
  EXPECT_EQ(Config::load_text(test_table(), "", "e.yaml", kManifest).get_int("train.steps"), 300);
  EXPECT_EQ(Config::load_text(test_table(), "# only a comment\n", "e.yaml", kManifest)
                .get_int("train.steps"),
            300);
  EXPECT_EQ(
      Config::load_text(test_table(), "train:\nrun:\n", "e.yaml", kManifest).get_int("train.steps"),
      300);
}

TEST(Config, AcceptsDottedKeysInYaml) {
  const Config c = Config::load_text(test_table(), "train.steps: 7\n", "d.yaml", kManifest);
  EXPECT_EQ(c.get_int("train.steps"), 7);
}

// --- unknown keys ----------------------------------------------------------------------

TEST(ConfigErrors, UnknownKeyNamesFileLineKeyAndSuggestion) {
  const std::string yaml =
      "run:\n"
      "  dir: runs/a\n"
      "train:\n"
      "  lr: 0.1\n"
      "  stpes: 3\n";
  EXPECT_EQ(load_error(yaml, kManifest),
            "configs/x.yaml:5: unknown key 'train.stpes' (did you mean 'train.steps'?)");
}

TEST(ConfigErrors, UnknownKeyWithoutACloseMatchHasNoSuggestion) {
  EXPECT_EQ(load_error("train:\n  wibble: 3\n", kManifest),
            "configs/x.yaml:2: unknown key 'train.wibble'");
}

TEST(ConfigErrors, KeyInTheWrongSectionSuggestsTheRightOne) {
  EXPECT_EQ(load_error("model:\n  steps: 3\n", kManifest),
            "configs/x.yaml:2: unknown key 'model.steps' (did you mean 'train.steps'?)");
  EXPECT_EQ(load_error("steps: 3\n", kManifest),
            "configs/x.yaml:1: unknown key 'steps' (did you mean 'train.steps'?)");
}

TEST(ConfigErrors, MisspeltSectionReportsEachKeyInside) {
  EXPECT_EQ(load_error("trian:\n  steps: 3\n  lr: 0.1\n", kManifest),
            "configs/x.yaml:2: unknown key 'trian.steps' (did you mean 'train.steps'?)\n"
            "configs/x.yaml:3: unknown key 'trian.lr' (did you mean 'train.lr'?)");
}

TEST(ConfigErrors, AllUnknownKeysAreListedFirstLineSelfContained) {
  const std::string yaml =
      "train:\n"
      "  stpes: 3\n"
      "  lr: 0.1\n"
      "  shufle: true\n"
      "dist:\n"
      "  dispach: layer\n";
  const std::string message = load_error(yaml, kManifest);
  EXPECT_EQ(first_line(message),
            "configs/x.yaml:2: unknown key 'train.stpes' (did you mean 'train.steps'?)");
  EXPECT_EQ(message,
            "configs/x.yaml:2: unknown key 'train.stpes' (did you mean 'train.steps'?)\n"
            "configs/x.yaml:4: unknown key 'train.shufle' (did you mean 'train.shuffle'?)\n"
            "configs/x.yaml:6: unknown key 'dist.dispach' (did you mean 'dist.dispatch'?)");
}

TEST_F(ConfigFileTest, UnknownKeyInAFileNamesThePathAsGiven) {
  const std::string path = write("u.yaml", "data:\n  manifest: m\ntrain:\n  stpes: 3\n");
  EXPECT_EQ(error_of([&] { Config::load_file(test_table(), path); }),
            path + ":4: unknown key 'train.stpes' (did you mean 'train.steps'?)");
}

// --- structure -------------------------------------------------------------------------

TEST(ConfigErrors, ScalarWhereASectionIsExpected) {
  EXPECT_EQ(load_error("train: 5\n", kManifest),
            "configs/x.yaml:1: train: expected a map (train is a section with keys such as "
            "train.steps), got '5'");
  EXPECT_EQ(load_error("train: [1, 2]\n", kManifest),
            "configs/x.yaml:1: train: expected a map (train is a section with keys such as "
            "train.steps), got a list");
}

TEST(ConfigErrors, MapOrListWhereAValueIsExpected) {
  EXPECT_EQ(load_error("train:\n  steps: {a: 1}\n", kManifest),
            "configs/x.yaml:2: train.steps: expected an integer, got a map");
  EXPECT_EQ(load_error("train:\n  steps: [1, 2]\n", kManifest),
            "configs/x.yaml:2: train.steps: expected an integer, got a list");
  EXPECT_EQ(load_error("dist:\n  dispatch: [data]\n", kManifest),
            "configs/x.yaml:2: dist.dispatch: expected one of data, layer; got a list");
  EXPECT_EQ(load_error("train:\n  steps:\n", kManifest),
            "configs/x.yaml:2: train.steps: expected an integer, got no value");
}

TEST(ConfigErrors, TopLevelMustBeAMap) {
  EXPECT_EQ(load_error("- a\n- b\n", kManifest),
            "configs/x.yaml:1: expected a map of sections such as 'run:', got a list");
  EXPECT_EQ(load_error("hello\n", kManifest),
            "configs/x.yaml:1: expected a map of sections such as 'run:', got 'hello'");
}

TEST(ConfigErrors, InvalidYamlNamesFileAndLine) {
  const std::string message = load_error("train:\n  steps: [1, 2\n", kManifest);
  EXPECT_EQ(message.rfind("configs/x.yaml:", 0), 0u) << message;
  EXPECT_NE(message.find(": invalid YAML: "), std::string::npos) << message;
}

TEST(ConfigErrors, DuplicateKeyNamesBothLines) {
  EXPECT_EQ(load_error("train:\n  steps: 1\ntrain.steps: 2\n", kManifest),
            "configs/x.yaml:3: duplicate key 'train.steps' (first set at line 2)");
}

// --- values ----------------------------------------------------------------------------

TEST(ConfigErrors, WrongTypeNamesFileLineKeyAndValue) {
  const std::string yaml =
      "run:\n"
      "  dir: runs/a\n"
      "train:\n"
      "  lr: 0.1\n"
      "  steps: abc\n";
  EXPECT_EQ(load_error(yaml, kManifest),
            "configs/x.yaml:5: train.steps: expected an integer, got 'abc'");
  EXPECT_EQ(load_error("train: {lr: fast}\n", kManifest),
            "configs/x.yaml:1: train.lr: expected a number, got 'fast'");
}

TEST(ConfigValues, IntsRejectFractionsAndOverflow) {
  EXPECT_EQ(load_error("train: {steps: 3.5}\n", kManifest),
            "configs/x.yaml:1: train.steps: expected an integer, got '3.5'");
  EXPECT_EQ(load_error("train: {steps: 1e3}\n", kManifest),
            "configs/x.yaml:1: train.steps: expected an integer, got '1e3'");
  EXPECT_EQ(load_error("train: {offset: 99999999999999999999}\n", kManifest),
            "configs/x.yaml:1: train.offset: integer out of range, got '99999999999999999999'");
  EXPECT_EQ(load_error("train: {offset: -99999999999999999999}\n", kManifest),
            "configs/x.yaml:1: train.offset: integer out of range, got '-99999999999999999999'");
  const auto offset = [](const std::string& text) {
    return Config::from_overrides(test_table(), {"data.manifest=m", "train.offset=" + text})
        .get_int("train.offset");
  };
  EXPECT_EQ(offset("-5"), -5);
  EXPECT_EQ(offset("+5"), 5);
  EXPECT_EQ(offset("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(offset("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(error_of([&] { offset("9223372036854775808"); }),
            "--set train.offset=9223372036854775808: train.offset: integer out of range, got "
            "'9223372036854775808'");
  EXPECT_EQ(error_of([&] { offset(""); }),
            "--set train.offset=: train.offset: expected an integer, got ''");
}

TEST(ConfigValues, FloatsParseCommonSpellingsAndRejectNonFinite) {
  const auto lr = [](const std::string& text) {
    return Config::from_overrides(test_table(), {"data.manifest=m", "train.lr=" + text})
        .get_float("train.lr");
  };
  EXPECT_DOUBLE_EQ(lr("1e-3"), 1e-3);
  EXPECT_DOUBLE_EQ(lr("2"), 2.0);
  EXPECT_DOUBLE_EQ(lr("0.25"), 0.25);
  EXPECT_DOUBLE_EQ(lr("+0.5"), 0.5);
  EXPECT_EQ(error_of([&] { lr("inf"); }),
            "--set train.lr=inf: train.lr: expected a finite number, got 'inf'");
  EXPECT_EQ(error_of([&] { lr("nan"); }),
            "--set train.lr=nan: train.lr: expected a finite number, got 'nan'");
  EXPECT_EQ(error_of([&] { lr("1e999"); }),
            "--set train.lr=1e999: train.lr: number out of range, got '1e999'");
  EXPECT_EQ(error_of([&] { lr("0.1x"); }),
            "--set train.lr=0.1x: train.lr: expected a number, got '0.1x'");
}

TEST(ConfigValues, RangesAreChecked) {
  EXPECT_EQ(load_error("train: {lr: -1}\n", kManifest),
            "configs/x.yaml:1: train.lr: must be > 0, got -1");
  EXPECT_EQ(load_error("train: {lr: 0}\n", kManifest),
            "configs/x.yaml:1: train.lr: must be > 0, got 0");
  EXPECT_EQ(load_error("train: {steps: 0}\n", kManifest),
            "configs/x.yaml:1: train.steps: must be >= 1, got 0");
  EXPECT_EQ(load_error("model: {dropout: 1.5}\n", kManifest),
            "configs/x.yaml:1: model.dropout: must be <= 1, got 1.5");
  EXPECT_DOUBLE_EQ(Config::load_text(test_table(), "model: {dropout: 1}\n", "x", kManifest)
                       .get_float("model.dropout"),
                   1.0);
}

TEST(ConfigValues, ChoicesAreChecked) {
  EXPECT_EQ(load_error("dist: {dispatch: foo}\n", kManifest),
            "configs/x.yaml:1: dist.dispatch: must be one of data, layer; got 'foo'");
  EXPECT_EQ(error_of([] {
              Config::from_overrides(test_table(), {"data.manifest=m", "dist.dispatch=Data"});
            }),
            "--set dist.dispatch=Data: dist.dispatch: must be one of data, layer; got 'Data'");
}

TEST(ConfigValues, BoolsAcceptTrueFalseYesNoOneZero) {
  const auto shuffle = [](const std::string& text) {
    return Config::load_text(test_table(), "train: {shuffle: " + text + "}\n", "b.yaml", kManifest)
        .get_bool("train.shuffle");
  };
  for (const char* yes : {"true", "True", "TRUE", "yes", "Yes", "1"}) EXPECT_TRUE(shuffle(yes));
  for (const char* no : {"false", "False", "no", "NO", "0"}) EXPECT_FALSE(shuffle(no));
  EXPECT_EQ(load_error("train: {shuffle: maybe}\n", kManifest),
            "configs/x.yaml:1: train.shuffle: expected true or false (or yes/no, 1/0), got "
            "'maybe'");
  EXPECT_EQ(load_error("train: {shuffle: 2}\n", kManifest),
            "configs/x.yaml:1: train.shuffle: expected true or false (or yes/no, 1/0), got '2'");
}

TEST(ConfigValues, StringsKeepTheirTextAndNonEmptyIsChecked) {
  const Config c =
      Config::load_text(test_table(), "run: {note: 'a: b # c', dir: \"x y\"}\n", "s", kManifest);
  EXPECT_EQ(c.get_string("run.note"), "a: b # c");
  EXPECT_EQ(c.get_string("run.dir"), "x y");
  EXPECT_EQ(load_error("run: {dir: ''}\n", kManifest),
            "configs/x.yaml:1: run.dir: must not be empty");
}

TEST(ConfigErrors, RequiredOptionMissingNamesTheKey) {
  EXPECT_EQ(error_of([] { Config::from_overrides(test_table(), {}); }),
            "missing required option 'data.manifest' (set it in the config file or with --set "
            "data.manifest=...)");
  EXPECT_EQ(load_error("train: {steps: 3}\n"),
            "missing required option 'data.manifest' (set it in the config file or with --set "
            "data.manifest=...)");
}

// --- --set -----------------------------------------------------------------------------

TEST(ConfigOverrides, UnknownKeyIsNamedWithSuggestion) {
  EXPECT_EQ(error_of([] {
              Config::from_overrides(test_table(), {"data.manifest=m", "train.stpes=3"});
            }),
            "--set train.stpes=3: unknown key 'train.stpes' (did you mean 'train.steps'?)");
  EXPECT_EQ(error_of([] {
              Config::from_overrides(test_table(), {"data.manifest=m", "nothing.like.it=3"});
            }),
            "--set nothing.like.it=3: unknown key 'nothing.like.it'");
}

TEST(ConfigOverrides, MalformedAssignmentIsAnError) {
  EXPECT_EQ(error_of([] {
              Config::from_overrides(test_table(), {"data.manifest=m", "train.steps"});
            }),
            "--set train.steps: expected KEY=VALUE, for example --set run.dir=runs/x");
  EXPECT_EQ(error_of([] {
              Config::from_overrides(test_table(), {"data.manifest=m", "=3"});
            }),
            "--set =3: expected KEY=VALUE, for example --set run.dir=runs/x");
}

TEST(ConfigOverrides, ValuesAreValidatedLikeTheFile) {
  EXPECT_EQ(error_of([] {
              Config::from_overrides(test_table(), {"data.manifest=m", "train.steps=abc"});
            }),
            "--set train.steps=abc: train.steps: expected an integer, got 'abc'");
  EXPECT_EQ(error_of([] {
              Config::from_overrides(test_table(), {"data.manifest=m", "train.lr=-1"});
            }),
            "--set train.lr=-1: train.lr: must be > 0, got -1");
  EXPECT_EQ(error_of([] {
              Config::from_overrides(test_table(), {"data.manifest=m", "train=5"});
            }),
            "--set train=5: 'train' is a section, not an option; set one of its keys, such as "
            "train.steps");
}

TEST(ConfigOverrides, ValueKeepsEverythingAfterTheFirstEquals) {
  const Config c = Config::from_overrides(test_table(), {"data.manifest=m", "run.note=a=b"});
  EXPECT_EQ(c.get_string("run.note"), "a=b");
  const Config spaced =
      Config::from_overrides(test_table(), {"data.manifest=m", " train.steps = 12 "});
  EXPECT_EQ(spaced.get_int("train.steps"), 12);
}

TEST(ConfigErrors, FileOverrideAndRequiredProblemsAreReportedTogether) {
  const std::string message =
      load_error("train:\n  stpes: 3\n  lr: -2\n", {"dist.dispatch=foo", "bogus=1"});
  EXPECT_EQ(message,
            "configs/x.yaml:2: unknown key 'train.stpes' (did you mean 'train.steps'?)\n"
            "configs/x.yaml:3: train.lr: must be > 0, got -2\n"
            "--set dist.dispatch=foo: dist.dispatch: must be one of data, layer; got 'foo'\n"
            "--set bogus=1: unknown key 'bogus'\n"
            "missing required option 'data.manifest' (set it in the config file or with --set "
            "data.manifest=...)");
}

// --- getters ---------------------------------------------------------------------------

TEST(ConfigGetters, UndeclaredKeyOrWrongTypeThrowsNamingTheKey) {
  const Config c = Config::from_overrides(test_table(), kManifest);
  EXPECT_EQ(error_of([&] { c.get_int("train.stpes"); }),
            "config: no option 'train.stpes' is declared (did you mean 'train.steps'?)");
  EXPECT_EQ(error_of([&] { c.get_float("train.steps"); }),
            "config: option 'train.steps' is int, not float; read it with the matching getter "
            "instead of get_float");
  EXPECT_NE(error_of([&] { c.get_bool("run.dir"); }).find("'run.dir'"), std::string::npos);
  EXPECT_NE(error_of([&] { c.get_string("train.lr"); }).find("'train.lr'"), std::string::npos);
  EXPECT_NE(error_of([&] { c.get_int("dist.dispatch"); }).find("'dist.dispatch'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { c.source("nope"); }).find("'nope'"), std::string::npos);
  EXPECT_EQ(c.get_string("dist.dispatch"), "data");  // a choice reads as a string
  EXPECT_EQ(c.get_text("train.lr"), "0.001");
  EXPECT_EQ(c.get_text("train.shuffle"), "true");
}

// --- printing --------------------------------------------------------------------------

TEST(ConfigPrinting, ToYamlIsNestedInDeclarationOrder) {
  OptionTable t;
  t.add_string("run.dir", "runs/a", "Dir.");
  t.add_int("train.steps", 3, "Steps.");
  t.add_float("model.dropout", 0.5, "Dropout.");
  t.add_bool("train.shuffle", false, "Shuffle.");  // joins the train section declared above
  t.add_int("top", 1, "A key without a section.");
  t.add_int("a.b.c", 2, "Deeper nesting.");
  const Config c = Config::from_overrides(t, {});
  EXPECT_EQ(c.to_yaml(),
            "run:\n"
            "  dir: runs/a\n"
            "train:\n"
            "  steps: 3\n"
            "  shuffle: false\n"
            "model:\n"
            "  dropout: 0.5\n"
            "top: 1\n"
            "a:\n"
            "  b:\n"
            "    c: 2\n");
}

TEST(ConfigPrinting, ToYamlRoundTrips) {
  const std::vector<std::string> overrides = {"data.manifest=data dir/manifest: \"v2\".json",
                                              "run.note=",
                                              "run.dir=null",
                                              "train.steps=123456789",
                                              "train.lr=0.30000000000000004",
                                              "train.shuffle=no",
                                              "train.offset=-42",
                                              "dist.dispatch=layer",
                                              "model.dropout=1e-7"};
  const Config original = Config::from_overrides(test_table(), overrides);
  const std::string yaml = original.to_yaml();
  const Config reloaded = Config::load_text(test_table(), yaml, "effective.yaml");
  for (const std::string& key : test_table().keys()) {
    EXPECT_EQ(reloaded.get_text(key), original.get_text(key)) << key << " in\n" << yaml;
    EXPECT_EQ(reloaded.source(key), Source::kFile) << key;
  }
  EXPECT_EQ(reloaded.get_float("train.lr"), 0.1 + 0.2);  // exact, not approximate
  EXPECT_EQ(reloaded.get_string("run.note"), "");
  EXPECT_EQ(reloaded.get_string("run.dir"), "null");
  EXPECT_EQ(reloaded.get_string("data.manifest"), "data dir/manifest: \"v2\".json");

  const Config defaults = Config::from_overrides(test_table(), kManifest);
  const Config defaults_again = Config::load_text(test_table(), defaults.to_yaml(), "d.yaml");
  for (const std::string& key : test_table().keys())
    EXPECT_EQ(defaults_again.get_text(key), defaults.get_text(key)) << key;
}

TEST(ConfigPrinting, DescribeListsKeyValueAndSource) {
  const Config c = Config::load_text(test_table(), "train: {steps: 5}\n", "d.yaml", kManifest);
  const std::string text = c.describe();
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line.rfind("key", 0), 0u);
  EXPECT_NE(line.find("value"), std::string::npos);
  EXPECT_NE(line.find("source"), std::string::npos);
  std::size_t rows = 0;
  const std::size_t value_column = line.find("value");
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_NE(line.find(' '), std::string::npos);
    EXPECT_EQ(line[value_column - 1], ' ') << line;
    EXPECT_NE(line[value_column], ' ') << line;
  }
  EXPECT_EQ(rows, test_table().options().size());
  EXPECT_NE(text.find("train.steps    5 "), std::string::npos) << text;
  EXPECT_NE(text.find("file\n"), std::string::npos);
  EXPECT_NE(text.find("--set\n"), std::string::npos);
  EXPECT_NE(text.find("default\n"), std::string::npos);
}

}  // namespace
}  // namespace moe::config
