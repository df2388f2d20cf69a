// Implementation of evaluate_checkpoint (see checkpoint_evaluation.h).
#include "train/checkpoint_evaluation.h"

#include <algorithm>

#include "common/error.h"
#include "data/manifest.h"
#include "data/split_pairs.h"
#include "model/checkpoint_file.h"
#include "model/parameter_loading.h"
#include "train/pair_evaluation.h"

namespace moe::train {
namespace {

struct DomainData {
  std::string name;
  std::vector<data::TokenPair> valid, test;
};

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

std::vector<float> labels_of(const std::vector<data::TokenPair>& pairs) {
  std::vector<float> labels;
  for (const data::TokenPair& pair : pairs) labels.push_back(pair.label);
  return labels;
}

}  // namespace

CheckpointEvaluation evaluate_checkpoint(const std::string& checkpoint_path,
                                         const std::vector<std::string>& manifest_paths,
                                         const CheckpointEvaluationOptions& options) {
  MOE_REQUIRE(!manifest_paths.empty(), "moe_eval: name at least one dataset manifest");
  const model::CheckpointContents checkpoint = model::read_checkpoint(checkpoint_path);
  const model::EncoderLayout& layout = checkpoint.layout;
  const bool domain_paths = layout.mixture_of_experts() || layout.domain_tokens;

  std::vector<DomainData> domains;
  for (const std::string& path : manifest_paths) {
    const data::Manifest manifest = data::Manifest::load(path);
    MOE_REQUIRE(manifest.vocab_hash == checkpoint.vocab_hash, path,
                " was tokenized with another vocabulary than ", checkpoint_path,
                " was trained on; re-run moe_prep with the checkpoint's vocabulary");
    for (const std::string& name : manifest.domains) {
      MOE_REQUIRE(std::none_of(domains.begin(), domains.end(),
                               [&](const DomainData& d) { return d.name == name; }),
                  path, ": domain ", name, " is also in an earlier manifest");
      MOE_REQUIRE(!domain_paths || std::find(layout.domains.begin(), layout.domains.end(), name) !=
                                       layout.domains.end(),
                  path, ": domain ", name, " has no path in ", checkpoint_path,
                  " (it knows: ", joined(layout.domains), ")");
      DomainData data{name, data::read_split_pairs(manifest, "valid", name),
                      data::read_split_pairs(manifest, "test", name)};
      MOE_REQUIRE(!data.test.empty(), path, ": domain ", name, " has no test pairs");
      domains.push_back(std::move(data));
    }
  }

  model::BertEncoder encoder = model::encoder_from_checkpoint(checkpoint, checkpoint_path);
  // The id a domain's pairs are embedded with: its path, or 0 for a model without paths.
  auto path_of = [&](const std::string& name) -> int32_t {
    if (!domain_paths) return 0;
    return static_cast<int32_t>(std::find(layout.domains.begin(), layout.domains.end(), name) -
                                layout.domains.begin());
  };
  const int32_t pad_id = checkpoint.config.pad_token_id;
  auto score = [&](const std::vector<data::TokenPair>& pairs, int32_t path) {
    return score_pairs(encoder, pairs, path, options.batch_size, pad_id).similarities;
  };

  CheckpointEvaluation result;
  std::vector<DomainScores> scores;
  for (const DomainData& d : domains) {
    result.domains.push_back(d.name);
    scores.push_back({d.name,
                      d.valid.empty() ? std::vector<float>{} : score(d.valid, path_of(d.name)),
                      labels_of(d.valid), score(d.test, path_of(d.name)), labels_of(d.test)});
  }
  result.report = evaluate_protocols(scores);
  if (options.cross_domain && domain_paths && domains.size() > 1) {
    std::vector<EvalDomainLabels> labels;
    for (const DomainScores& s : scores) labels.push_back({s.domain, s.test_labels});
    result.cross = cross_domain_matrix(
        result.domains, labels, [&](const std::string& model_domain, const std::string& eval) {
          const auto it = std::find_if(domains.begin(), domains.end(),
                                       [&](const DomainData& d) { return d.name == eval; });
          return score(it->test, path_of(model_domain));
        });
  }
  return result;
}

}  // namespace moe::train
