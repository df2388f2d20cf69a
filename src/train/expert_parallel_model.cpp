// Implementation of ExpertParallelModel (see expert_parallel_model.h).
#include "train/expert_parallel_model.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "dist/gradient_sync.h"
#include "model/parameter_names.h"

namespace moe::train {
ExpertParallelModel::ExpertParallelModel(const model::BertConfig& config,
                                         model::EncoderLayout layout, dist::Communicator& world,
                                         uint64_t seed, int64_t cls_token_id, bool layer_dispatch,
                                         torch::Device device)
    : config_(config),
      layout_(std::move(layout)),
      layer_dispatch_(layer_dispatch && layout_.mixture_of_experts()),
      device_(device),
      world_(world),
      placement_(layout_.mixture_of_experts() ? static_cast<int>(layout_.domains.size()) : 1,
                 world.size(), world.hosts()) {
  MOE_REQUIRE(!layout_.domains.empty(), "model: the data names no domain");
  local_experts_ = placement_.experts_on(world_.rank());
  replica_group_ = world_.split(placement_.replica_group_color(world_.rank()), world_.rank());
  layout_.local_domains.clear();
  if (layout_.mixture_of_experts())
    for (int e : local_experts_) layout_.local_domains.push_back(e);
  encoder_ = model::BertEncoder(config_, layout_);
  model::initialize_like_bert(*encoder_, seed, cls_token_id);
  encoder_->to(device_);
  if (layer_dispatch_) {
    std::vector<int> destination_of_domain;
    for (size_t d = 0; d < layout_.domains.size(); ++d)
      destination_of_domain.push_back(placement_.serving_rank(static_cast<int>(d), world_.rank()));
    encoder_->set_expert_dispatcher(
        std::make_shared<model::ExpertDispatcher>(world_, std::move(destination_of_domain)));
  }
}

int ExpertParallelModel::destination_rank(int32_t domain, int64_t turn) const {
  if (!layout_.mixture_of_experts() || layer_dispatch_) return world_.rank();
  MOE_REQUIRE(domain >= 0 && domain < static_cast<int32_t>(layout_.domains.size()),
              "example with unknown domain id ", domain);
  if (holds(domain)) return world_.rank();
  const std::vector<int> ranks = placement_.ranks_of(domain);
  return ranks[static_cast<size_t>(turn) % ranks.size()];
}

int ExpertParallelModel::evaluation_rank(int32_t domain) const {
  if (!layout_.mixture_of_experts()) return domain % world_.size();
  return placement_.primary_rank(domain);
}

bool ExpertParallelModel::holds(int32_t domain) const {
  if (!layout_.mixture_of_experts()) return true;
  return std::find(local_experts_.begin(), local_experts_.end(), domain) != local_experts_.end();
}

std::vector<torch::Tensor> ExpertParallelModel::shared_parameters() const {
  std::vector<torch::Tensor> result;
  for (const auto& item : encoder_->named_parameters())
    if (item.value().requires_grad() && model::checkpoint_name(item.key()).expert.empty())
      result.push_back(item.value());
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
  // One reduction pass per gradient (no squared copy) and one read of the total.
  auto squared_norm = [](const std::vector<torch::Tensor>& params) {
    std::vector<torch::Tensor> norms;
    for (const torch::Tensor& p : params)
      if (p.grad().defined()) norms.push_back(p.grad().norm().to(torch::kFloat64));
    return norms.empty() ? 0.0 : torch::stack(norms).pow(2).sum().item<double>();
  };
  // Shared gradients are identical on every rank after synchronisation: count them once.
  // Expert gradients are identical within a replica group: its first member counts them.
  const double shared = squared_norm(shared_parameters());
  const double experts = replica_group_->rank() == 0 ? squared_norm(expert_parameters()) : 0.0;
  torch::Tensor expert_total = torch::tensor({experts}, torch::kFloat64);  // CPU: over MPI
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

std::vector<std::pair<model::CheckpointName, torch::Tensor>> ExpertParallelModel::named_parameters()
    const {
  std::vector<std::pair<model::CheckpointName, torch::Tensor>> result;
  for (const auto& item : encoder_->named_parameters())
    result.emplace_back(model::checkpoint_name(item.key()), item.value());
  return result;
}

model::CheckpointContents ExpertParallelModel::gather_checkpoint() const {
  model::CheckpointContents contents;
  contents.config = config_;
  contents.layout = layout_;
  contents.layout.local_domains.clear();
  if (world_.rank() == 0)
    for (const auto& [name, tensor] : named_parameters())
      if (name.expert.empty()) contents.shared[name.name] = tensor.detach().to(torch::kCPU).clone();
  if (layout_.mixture_of_experts())
    contents.experts = gather_expert_tensors([](const torch::Tensor& parameter) {
      return std::vector<std::pair<std::string, torch::Tensor>>{{"", parameter}};
    });
  return contents;
}

std::map<std::string, model::NamedTensors> ExpertParallelModel::gather_expert_tensors(
    const ExpertTensorsOf& derive) const {
  // Every derived tensor of every local expert, in parameter order, with its full name.
  struct Piece {
    std::string domain, name;
    torch::Tensor tensor;
  };
  std::vector<Piece> local;
  for (const auto& [name, parameter] : named_parameters()) {
    if (name.expert.empty()) continue;
    for (const auto& [suffix, tensor] : derive(parameter))
      local.push_back({name.expert, suffix.empty() ? name.name : name.name + "/" + suffix,
                       tensor.detach().to(torch::kCPU, torch::kFloat32)});
  }
  // Each expert is sent once, by its primary replica, flattened in parameter order. The
  // layout of one expert is the same everywhere, so rank 0 can cut the stream apart.
  std::vector<torch::Tensor> outgoing;
  for (int expert : local_experts_) {
    if (placement_.primary_rank(expert) != world_.rank()) continue;
    for (const Piece& piece : local)
      if (piece.domain == layout_.domains[expert]) outgoing.push_back(piece.tensor.reshape({-1}));
  }
  torch::Tensor flat = outgoing.empty() ? torch::empty({0}, torch::kFloat32) : torch::cat(outgoing);
  torch::Tensor gathered = world_.gather_rows(flat, 0);
  std::map<std::string, model::NamedTensors> result;
  if (world_.rank() != 0 || local.empty()) return result;

  const std::string template_expert = local.front().domain;
  int64_t offset = 0;
  for (int rank = 0; rank < world_.size(); ++rank) {
    for (int expert : placement_.experts_on(rank)) {
      if (placement_.primary_rank(expert) != rank) continue;
      for (const Piece& like : local) {
        if (like.domain != template_expert) continue;
        const int64_t n = like.tensor.numel();
        MOE_REQUIRE(offset + n <= gathered.numel(), "expert gather: expected more than ",
                    gathered.numel(), " values");
        result[layout_.domains[expert]][like.name] =
            gathered.slice(0, offset, offset + n).view(like.tensor.sizes()).clone();
        offset += n;
      }
    }
  }
  MOE_REQUIRE(offset == gathered.numel(), "expert gather: expected ", offset, " values, received ",
              gathered.numel());
  return result;
}

}  // namespace moe::train
