// Fuzz target: the configuration loader (YAML parsing, keys and types against the option
// table, the rules between keys) on arbitrary text, as moe_train reads a config file.
#include <string>

#include "common/error.h"
#include "config/config.h"
#include "config/train_options.h"
#include "fuzz_support.h"

namespace moe::fuzz {
std::vector<std::string> fuzz_seeds() {
  // tests/fuzz/run_fuzzers.sh adds the shipped configs/*.yaml to these.
  return {"model:\n  hidden_size: 64\n  num_heads: 4\ntrain:\n  steps: 10\n  lr: 1e-4\n",
          "data: {manifest: data/manifest.json, domains: [cardio, pulmo]}\n",
          "train:\n  steps: &n 5\n  warmup_steps: *n\n  loss: mnr_plus\n",
          "run:\n  dir: \"runs/\\u00e9\"\n# comment\ncheckpoint:\n  every: 0\n"};
}
}  // namespace moe::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const moe::config::Config config =
        moe::config::Config::load_text(moe::config::train_option_table(), text, "fuzz.yaml");
    moe::config::TrainOptions::from_config(config);
    // What was accepted prints back as YAML that loads to the same values.
    const moe::config::Config again =
        moe::config::Config::load_text(config.table(), config.to_yaml(), "again.yaml");
    if (again.to_yaml() != config.to_yaml()) std::abort();
  } catch (const moe::Error&) {
    // Refusing an input with a clear error is allowed.
  }
  return 0;
}
