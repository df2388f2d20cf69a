// Implementation of ExpertParallelModel (see expert_parallel_model.h).
#include "train/expert_parallel_model.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "dist/gradient_sync.h"
#include "model/parameter_names.h"

namespace moe::train {
namespace {

std::vector<std::string> names_of(const std::vector<std::string>& domains,
                                  const std::vector<int>& experts) {
  std::vector<std::string> names;
  for (int e : experts) names.push_back(domains.at(e));
  return names;
}

}  // namespace

ExpertParallelModel::ExpertParallelModel(const model::BertConfig& config,
                                         std::vector<std::string> domains, bool mixture_of_experts,
                                         dist::Communicator& world, uint64_t seed)
    : config_(config),
      domains_(std::move(domains)),
      mixture_of_experts_(mixture_of_experts),
      world_(world),
      placement_(mixture_of_experts ? static_cast<int>(domains_.size()) : 1, world.size()) {
  MOE_REQUIRE(!domains_.empty(), "model: the data names no domain");
  local_experts_ = placement_.experts_on(world_.rank());
  replica_group_ = world_.split(placement_.replica_group_color(world_.rank()), world_.rank());
  encoder_ = model::BertEncoder(config_, mixture_of_experts_ ? names_of(domains_, local_experts_)
                                                             : std::vector<std::string>{});
  model::initialize_like_bert(*encoder_, seed);
}

int ExpertParallelModel::destination_rank(int32_t domain, int64_t turn) const {
  if (!mixture_of_experts_) return world_.rank();
  MOE_REQUIRE(domain >= 0 && domain < static_cast<int32_t>(domains_.size()),
              "example with unknown domain id ", domain);
  if (holds(domain)) return world_.rank();
  const std::vector<int> ranks = placement_.ranks_of(domain);
  return ranks[static_cast<size_t>(turn) % ranks.size()];
}

int ExpertParallelModel::evaluation_rank(int32_t domain) const {
  if (!mixture_of_experts_) return domain % world_.size();
  return placement_.primary_rank(domain);
}

bool ExpertParallelModel::holds(int32_t domain) const {
  if (!mixture_of_experts_) return true;
  return std::find(local_experts_.begin(), local_experts_.end(), domain) != local_experts_.end();
}

torch::Tensor ExpertParallelModel::expert_slots(const std::vector<int32_t>& domains) const {
  torch::Tensor slots = torch::zeros({static_cast<int64_t>(domains.size())}, torch::kInt64);
  if (!mixture_of_experts_) return slots;
  auto access = slots.accessor<int64_t, 1>();
  for (size_t i = 0; i < domains.size(); ++i) {
    auto it = std::find(local_experts_.begin(), local_experts_.end(), domains[i]);
    MOE_REQUIRE(it != local_experts_.end(), "rank ", world_.rank(), " got an example of domain ",
                domains[i], " whose expert it does not hold");
    access[i] = it - local_experts_.begin();
  }
  return slots;
}

std::vector<torch::Tensor> ExpertParallelModel::shared_parameters() const {
  std::vector<torch::Tensor> result;
  for (const auto& item : encoder_->named_parameters())
    if (model::checkpoint_name(item.key()).expert.empty()) result.push_back(item.value());
  return result;
}

std::vector<torch::Tensor> ExpertParallelModel::expert_parameters() const {
  std::vector<torch::Tensor> result;
  for (const auto& item : encoder_->named_parameters())
    if (!model::checkpoint_name(item.key()).expert.empty()) result.push_back(item.value());
  return result;
}

void ExpertParallelModel::synchronize_gradients() {
  dist::sum_gradients(world_, shared_parameters());
  dist::sum_gradients(*replica_group_, expert_parameters());
}

double ExpertParallelModel::clip_gradients(double max_norm) {
  torch::NoGradGuard no_grad;
  auto squared_norm = [](const std::vector<torch::Tensor>& params) {
    double total = 0.0;
    for (const torch::Tensor& p : params)
      if (p.grad().defined()) total += p.grad().pow(2).sum().item<double>();
    return total;
  };
  // Shared gradients are identical on every rank after synchronisation: count them once.
  // Expert gradients are identical within a replica group: its first member counts them.
  const double shared = squared_norm(shared_parameters());
  const double experts = replica_group_->rank() == 0 ? squared_norm(expert_parameters()) : 0.0;
  torch::Tensor expert_total = torch::tensor({experts}, torch::kFloat64);
  world_.all_reduce_sum(expert_total);
  const double norm = std::sqrt(shared + expert_total.item<double>());
  if (max_norm > 0.0 && norm > max_norm) {
    const double factor = max_norm / (norm + 1e-6);
    for (const auto& item : encoder_->named_parameters())
      if (item.value().grad().defined()) item.value().mutable_grad().mul_(factor);
  }
  return norm;
}

dist::CommunicationStats ExpertParallelModel::communication_stats() const {
  dist::CommunicationStats total = world_.stats();
  const dist::CommunicationStats& group = replica_group_->stats();
  total.seconds += group.seconds;
  total.bytes_sent += group.bytes_sent;
  total.calls += group.calls;
  return total;
}

void ExpertParallelModel::reset_communication_stats() {
  world_.reset_stats();
  replica_group_->reset_stats();
}

model::CheckpointContents ExpertParallelModel::gather_checkpoint() const {
  model::CheckpointContents contents;
  contents.config = config_;
  contents.domains = domains_;
  contents.mixture_of_experts = mixture_of_experts_;
  const bool root = world_.rank() == 0;
  std::vector<std::pair<model::CheckpointName, torch::Tensor>> expert_tensors;
  for (const auto& item : encoder_->named_parameters()) {
    model::CheckpointName name = model::checkpoint_name(item.key());
    if (name.expert.empty()) {
      if (root) contents.shared[name.name] = item.value().detach().clone();
    } else {
      expert_tensors.emplace_back(name, item.value().detach());
    }
  }
  if (!mixture_of_experts_) return contents;

  // Each expert is sent once, by its primary replica, flattened in parameter order. The
  // layout of one expert is the same everywhere, so rank 0 can cut the stream apart.
  std::vector<torch::Tensor> outgoing;
  for (int expert : local_experts_) {
    if (placement_.primary_rank(expert) != world_.rank()) continue;
    for (const auto& [name, tensor] : expert_tensors)
      if (name.expert == domains_[expert]) outgoing.push_back(tensor.reshape({-1}));
  }
  torch::Tensor flat = outgoing.empty() ? torch::empty({0}, torch::kFloat32) : torch::cat(outgoing);
  torch::Tensor gathered = world_.gather_rows(flat, 0);
  if (!root) return contents;

  // One expert's parameter names and shapes, in parameter order (from a local expert).
  const std::string template_expert = expert_tensors.front().first.expert;
  std::vector<std::pair<std::string, torch::Tensor>> layout;
  for (const auto& [name, tensor] : expert_tensors)
    if (name.expert == template_expert) layout.emplace_back(name.name, tensor);
  int64_t offset = 0;
  for (int rank = 0; rank < world_.size(); ++rank) {
    for (int expert : placement_.experts_on(rank)) {
      if (placement_.primary_rank(expert) != rank) continue;
      for (const auto& [name, like] : layout) {
        const int64_t n = like.numel();
        contents.experts[domains_[expert]][name] =
            gathered.slice(0, offset, offset + n).view(like.sizes()).clone();
        offset += n;
      }
    }
  }
  MOE_REQUIRE(offset == gathered.numel(), "checkpoint gather: expected ", offset,
              " expert values, received ", gathered.numel());
  return contents;
}

}  // namespace moe::train
