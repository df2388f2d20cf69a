// Trainer's evaluation (see trainer.h): which rank reads which evaluation pairs, the
// all-reduced per-domain tables, periodic validation with best.h5 and early stopping, and the
// final report with both protocols and the cross-domain table. Split from trainer.cpp to keep
// the training loop and the evaluation each in a file of their own.
#include "common/error.h"
#include "common/log.h"
#include "common/number_format.h"
#include "data/split_pairs.h"
#include "hf/json_file.h"
#include "train/evaluation_protocol.h"
#include "train/evaluation_tables.h"
#include "train/trainer.h"

namespace moe::train {

// Each domain is evaluated by one rank that holds its expert, alone: no layer dispatch.
class Trainer::LocalExpertsOnly {
 public:
  explicit LocalExpertsOnly(model::BertEncoder& encoder) : encoder_(encoder) {
    encoder_->pause_expert_dispatch(true);
  }
  ~LocalExpertsOnly() { encoder_->pause_expert_dispatch(false); }
  LocalExpertsOnly(const LocalExpertsOnly&) = delete;
  LocalExpertsOnly& operator=(const LocalExpertsOnly&) = delete;

 private:
  model::BertEncoder& encoder_;
};

bool Trainer::has_domain_paths() const {
  const model::EncoderLayout& layout = model_->encoder()->layout();
  return layout.mixture_of_experts() || layout.domain_tokens;
}

void Trainer::load_evaluation_pairs() {
  // The rank that evaluates a domain reads its valid and test pairs; for the cross-domain
  // table it also reads every other domain's test pairs.
  const size_t domains = manifest_.domains.size();
  bool evaluates_any = false;
  for (size_t d = 0; d < domains; ++d) {
    if (model_->evaluation_rank(static_cast<int32_t>(d)) != world_.rank()) continue;
    evaluates_any = true;
    for (const char* split : {"valid", "test"}) {
      auto& per_domain = eval_pairs_[split];
      per_domain.resize(domains);
      per_domain[d] = data::read_split_pairs(manifest_, split, manifest_.domains[d]);
    }
  }
  if (evaluates_any && options_.eval.cross_domain && has_domain_paths())
    for (size_t d = 0; d < domains; ++d)
      if (eval_pairs_["test"][d].empty())
        eval_pairs_["test"][d] = data::read_split_pairs(manifest_, "test", manifest_.domains[d]);
}

PairScores Trainer::score_domain(const std::string& split, int32_t pairs_domain,
                                 int32_t model_domain) {
  const std::vector<data::TokenPair>& pairs = eval_pairs_.at(split).at(pairs_domain);
  MOE_REQUIRE(!pairs.empty(), "no ", split, " pairs for domain ", manifest_.domains[pairs_domain],
              " in ", options_.data.manifest);
  return score_pairs(model_->encoder(), pairs, model_domain, options_.eval.batch_size, pad_id_);
}

std::vector<float> Trainer::labels_of(const std::string& split, int32_t domain) const {
  std::vector<float> labels;
  for (const data::TokenPair& pair : eval_pairs_.at(split).at(domain)) labels.push_back(pair.label);
  return labels;
}

std::vector<DomainEvaluation> Trainer::evaluate(const std::string& split) {
  const LocalExpertsOnly local_experts(model_->encoder());
  const int64_t domains = static_cast<int64_t>(manifest_.domains.size());
  torch::Tensor rows = torch::zeros({domains, evaluation_row_width()}, torch::kFloat64);
  for (int64_t d = 0; d < domains; ++d) {
    if (model_->evaluation_rank(static_cast<int32_t>(d)) != world_.rank()) continue;
    const auto domain = static_cast<int32_t>(d);
    to_row(evaluate_domain(manifest_.domains[d], score_domain(split, domain, domain),
                           labels_of(split, domain)),
           rows[d].data_ptr<double>());
  }
  world_.all_reduce_sum(rows);  // one rank filled each row
  std::vector<DomainEvaluation> result;
  for (int64_t d = 0; d < domains; ++d)
    result.push_back(from_row(manifest_.domains[d], rows[d].data_ptr<double>()));
  return result;
}

std::vector<float> Trainer::gather_from(int rank, const std::vector<float>& values) {
  const torch::Tensor local = rank == world_.rank() ? torch::tensor(values, torch::kFloat32)
                                                    : torch::empty({0}, torch::kFloat32);
  const torch::Tensor gathered = world_.gather_rows(local, 0).contiguous();
  return {gathered.data_ptr<float>(), gathered.data_ptr<float>() + gathered.numel()};
}

void Trainer::write_evaluation_report(int64_t evaluated_step) {
  const LocalExpertsOnly local_experts(model_->encoder());
  const auto domains = static_cast<int32_t>(manifest_.domains.size());
  std::vector<DomainScores> scores(domains);
  // model domain -> evaluated domain -> test scores (cross-domain table, rank 0 only).
  std::vector<std::vector<std::vector<float>>> cross(domains,
                                                     std::vector<std::vector<float>>(domains));
  const bool cross_domain = options_.eval.cross_domain && has_domain_paths() && domains > 1;
  for (int32_t d = 0; d < domains; ++d) {
    const int rank = model_->evaluation_rank(d);
    const bool here = rank == world_.rank();
    scores[d].domain = manifest_.domains[d];
    for (const char* split : {"valid", "test"}) {
      // A domain without valid pairs is reported by the paper protocol only.
      const bool has_pairs = here && !eval_pairs_.at(split).at(d).empty();
      std::vector<float> values =
          has_pairs ? score_domain(split, d, d).similarities : std::vector<float>{};
      std::vector<float> labels = has_pairs ? labels_of(split, d) : std::vector<float>{};
      values = gather_from(rank, values);
      labels = gather_from(rank, labels);
      if (std::string(split) == "valid") {
        scores[d].valid_scores = std::move(values);
        scores[d].valid_labels = std::move(labels);
      } else {
        scores[d].test_scores = std::move(values);
        scores[d].test_labels = std::move(labels);
      }
    }
    if (!cross_domain) continue;
    for (int32_t e = 0; e < domains; ++e)
      cross[d][e] = e == d ? scores[d].test_scores
                           : gather_from(rank, here ? score_domain("test", e, d).similarities
                                                    : std::vector<float>{});
  }
  if (world_.rank() != 0) return;

  const EvaluationReport report = evaluate_protocols(scores);
  std::string markdown =
      cat("# Evaluation at step ", evaluated_step, "\n\n", render_markdown(report));
  if (cross_domain) {
    std::vector<EvalDomainLabels> labels;
    for (const DomainScores& s : scores) labels.push_back({s.domain, s.test_labels});
    const CrossDomainMatrix matrix = cross_domain_matrix(manifest_.domains, labels, cross);
    markdown += "\n" + render_markdown(matrix);
    hf::write_file_atomically(options_.run.dir + "/cross_domain.csv", render_csv(matrix));
    hf::write_file_atomically(options_.run.dir + "/cross_domain.json", render_json(matrix));
  }
  hf::write_file_atomically(options_.run.dir + "/evaluation.md", markdown);
  hf::write_file_atomically(options_.run.dir + "/evaluation.csv", render_csv(report));
  hf::write_file_atomically(options_.run.dir + "/evaluation.json", render_json(report));
  log::info("eval",
            cat("wrote ", options_.run.dir, "/evaluation.{md,csv,json}",
                cross_domain ? " and cross_domain.{csv,json}" : "", " (paper and honest protocols",
                cross_domain ? ", cross-domain table" : "", ")"));
}

bool Trainer::periodic_evaluation() {
  const std::vector<DomainEvaluation> valid = evaluate("valid");
  const double score = weighted_f1max(valid);
  if (world_.rank() == 0)
    write_metrics_line(evaluation_line(valid, step_, "valid", "periodic").dump());
  if (score > best_score_) {
    best_score_ = score;
    best_step_ = step_;
    stale_evaluations_ = 0;
    log::info("eval", cat("step ", step_, ": valid F1max (weighted) ", fixed(score),
                          ", the best so far: saving ", best_checkpoint_path()));
    save_checkpoint(best_checkpoint_path());
    return false;
  }
  ++stale_evaluations_;
  log::info("eval", cat("step ", step_, ": valid F1max (weighted) ", fixed(score), ", best ",
                        fixed(best_score_), " at step ", best_step_, " (", stale_evaluations_,
                        " evaluation(s) without improvement)"));
  return options_.eval.patience > 0 && stale_evaluations_ >= options_.eval.patience;
}

std::string Trainer::best_checkpoint_path() const { return options_.run.dir + "/best.h5"; }

}  // namespace moe::train
