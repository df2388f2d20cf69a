// Implementation of TokenPacking (see token_packing.h).
#include "model/token_packing.h"

#include <algorithm>
#include <numeric>

#include "common/error.h"

namespace moe::model {
namespace {

torch::Tensor as_index(const std::vector<int64_t>& values, const torch::Device& device) {
  return torch::tensor(values, torch::kInt64).to(device);
}

// [n, ...] rows into a tensor of `slots` rows at `positions`, zeros at `padding` (the other
// rows). Only the padding is zero-filled: a zero tensor then index_copy wrote every row three
// times (fill, copy, rows).
torch::Tensor scatter(const torch::Tensor& rows, const torch::Tensor& positions,
                      const torch::Tensor& padding, int64_t slots) {
  std::vector<int64_t> flat = rows.sizes().vec();
  flat[0] = slots;
  torch::Tensor scattered = torch::empty(flat, rows.options());
  if (padding.numel() > 0) scattered.index_fill_(0, padding, 0);
  return scattered.index_copy_(0, positions, rows);
}

// scatter and its adjoint, the gather of `positions`, each the other's backward (LibTorch's
// own index_copy and index_select backwards zero-fill whole tensors and clone or add).
class ScatterRows : public torch::autograd::Function<ScatterRows> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& rows,
                               const torch::Tensor& positions, const torch::Tensor& padding,
                               int64_t slots) {
    context->saved_data["positions"] = positions;
    return scatter(rows, positions, padding, slots);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list grad_outputs) {
    const torch::Tensor positions = context->saved_data["positions"].toTensor();
    return {grad_outputs[0].index_select(0, positions), torch::Tensor(), torch::Tensor(),
            torch::Tensor()};
  }
};

class GatherRows : public torch::autograd::Function<GatherRows> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context,
                               const torch::Tensor& padded_rows, const torch::Tensor& positions,
                               const torch::Tensor& padding) {
    context->saved_data["positions"] = positions;
    context->saved_data["padding"] = padding;
    context->saved_data["slots"] = padded_rows.size(0);
    return padded_rows.index_select(0, positions);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list grad_outputs) {
    return {
        scatter(grad_outputs[0], context->saved_data["positions"].toTensor(),
                context->saved_data["padding"].toTensor(), context->saved_data["slots"].toInt()),
        torch::Tensor(), torch::Tensor()};
  }
};

// [n, ...] rows -> [shape..., ...] with the rows at `positions` of the flattened leading
// dimensions and zeros at `padding`.
torch::Tensor scatter_rows(const torch::Tensor& rows, const torch::Tensor& positions,
                           const torch::Tensor& padding, std::vector<int64_t> shape,
                           int64_t slots) {
  for (int64_t d = 1; d < rows.dim(); ++d) shape.push_back(rows.size(d));
  return ScatterRows::apply(rows, positions.to(rows.device()), padding.to(rows.device()), slots)
      .view(shape);
}

// [sequences, length, ...] -> the rows at `positions` of its flattened [sequences * length].
torch::Tensor gather_rows(const torch::Tensor& padded, const torch::Tensor& positions,
                          const torch::Tensor& padding) {
  std::vector<int64_t> shape = {-1};
  for (int64_t d = 2; d < padded.dim(); ++d) shape.push_back(padded.size(d));
  return GatherRows::apply(padded.reshape(shape), positions.to(padded.device()),
                           padding.to(padded.device()));
}

// The places of [0, slots) that `positions` does not hold.
std::vector<int64_t> complement(const std::vector<int64_t>& positions, int64_t slots) {
  std::vector<bool> held(static_cast<size_t>(slots), false);
  for (const int64_t p : positions) held[static_cast<size_t>(p)] = true;
  std::vector<int64_t> rest;
  for (int64_t s = 0; s < slots; ++s)
    if (!held[static_cast<size_t>(s)]) rest.push_back(s);
  return rest;
}

// Rows in another order; the backward puts the gradient back with the inverse order (one
// gather, where index_select's own backward would zero-fill and scatter-add).
class PermuteRows : public torch::autograd::Function<PermuteRows> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& rows,
                               const torch::Tensor& order, const torch::Tensor& inverse) {
    context->saved_data["inverse"] = inverse;
    return rows.index_select(0, order);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list grad_outputs) {
    const torch::Tensor inverse = context->saved_data["inverse"].toTensor();
    return {grad_outputs[0].index_select(0, inverse), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor AttentionGroup::unpack(const torch::Tensor& group_rows) const {
  return scatter_rows(group_rows, positions, padding, {sequences, length}, sequences * length);
}

torch::Tensor AttentionGroup::pack(const torch::Tensor& padded) const {
  return gather_rows(padded, positions, padding);
}

TokenPacking::TokenPacking(const torch::Tensor& attention_mask, const torch::Tensor& expert_slot,
                           int64_t sequences_per_group)
    : batch_(attention_mask.size(0)), length_(attention_mask.size(1)) {
  MOE_REQUIRE(attention_mask.dim() == 2, "token packing: the attention mask must be 2-D");
  MOE_REQUIRE(sequences_per_group >= 1, "token packing: need at least one sequence per group");
  const torch::Tensor mask = (attention_mask != 0).to(torch::kCPU).contiguous();
  const auto is_real = mask.accessor<bool, 2>();
  std::vector<int64_t> lengths(batch_, 0), slots(batch_, 0);
  for (int64_t b = 0; b < batch_; ++b)
    for (int64_t j = 0; j < length_; ++j) lengths[b] += is_real[b][j] ? 1 : 0;
  if (expert_slot.defined()) {
    MOE_REQUIRE(expert_slot.dim() == 1 && expert_slot.size(0) == batch_,
                "token packing: need one expert slot per sequence");
    const torch::Tensor cpu = expert_slot.to(torch::kCPU, torch::kInt64).contiguous();
    std::copy_n(cpu.data_ptr<int64_t>(), batch_, slots.begin());
    MOE_REQUIRE(std::all_of(slots.begin(), slots.end(), [](int64_t s) { return s >= 0; }),
                "token packing: an expert slot is negative");
    if (batch_ > 0) expert_rows_.assign(*std::max_element(slots.begin(), slots.end()) + 1, 0);
  }

  std::vector<int64_t> order(batch_);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return slots[a] != slots[b] ? slots[a] < slots[b] : lengths[a] > lengths[b];
  });

  // Rows: each sequence's tokens, sequences in `order`.
  std::vector<int64_t> real, sequence, first_row(batch_, 0);
  for (const int64_t b : order) {
    if (!expert_rows_.empty()) expert_rows_[slots[b]] += lengths[b];
    first_row[b] = static_cast<int64_t>(real.size());
    for (int64_t j = 0; j < length_; ++j) {
      if (!is_real[b][j]) continue;
      real.push_back(b * length_ + j);
      sequence.push_back(b);
    }
  }

  // Attention groups: the sequences by length alone (experts mixed), longest first, cut into
  // groups; a sequence without tokens has nothing to attend. The attention order lists the
  // rows group by group; it is the row order itself when there is one expert slot or none.
  std::vector<int64_t> by_length = order;
  std::stable_sort(by_length.begin(), by_length.end(),
                   [&](int64_t a, int64_t b) { return lengths[a] > lengths[b]; });
  std::vector<int64_t> attention_order;
  std::vector<std::vector<int64_t>> group_positions;
  for (const int64_t b : by_length) {
    if (lengths[b] == 0) continue;
    if (groups_.empty() || groups_.back().sequences == sequences_per_group) {
      groups_.push_back(AttentionGroup{});
      groups_.back().first_row = static_cast<int64_t>(attention_order.size());
      groups_.back().length = lengths[b];  // the longest: sequences come longest first
      group_positions.emplace_back();
    }
    AttentionGroup& group = groups_.back();
    for (int64_t place = 0; place < lengths[b]; ++place) {
      attention_order.push_back(first_row[b] + place);
      group_positions.back().push_back(group.sequences * group.length + place);
    }
    group.sequences += 1;
    group.rows += lengths[b];
  }

  const torch::Device device = attention_mask.device();
  real_ = as_index(real, device);
  padding_ = as_index(complement(real, batch_ * length_), device);
  sequence_ = as_index(sequence, device);
  bool identity = true;
  for (size_t r = 0; r < attention_order.size() && identity; ++r)
    identity = attention_order[r] == static_cast<int64_t>(r);
  if (!identity) {
    std::vector<int64_t> row_order(attention_order.size());
    for (size_t r = 0; r < attention_order.size(); ++r)
      row_order[static_cast<size_t>(attention_order[r])] = static_cast<int64_t>(r);
    attention_order_ = as_index(attention_order, device);
    row_order_ = as_index(row_order, device);
  }
  for (size_t g = 0; g < groups_.size(); ++g) {
    AttentionGroup& group = groups_[g];
    group.positions = as_index(group_positions[g], device);
    group.padding =
        as_index(complement(group_positions[g], group.sequences * group.length), device);
    group.key_mask = torch::zeros({group.sequences * group.length}, torch::kInt64)
                         .index_fill_(0, torch::tensor(group_positions[g], torch::kInt64), 1)
                         .view({group.sequences, group.length})
                         .to(device);
  }
}

torch::Tensor TokenPacking::pack(const torch::Tensor& padded) const {
  return gather_rows(padded, real_, padding_);
}

torch::Tensor TokenPacking::unpack(const torch::Tensor& rows) const {
  return scatter_rows(rows, real_, padding_, {batch_, length_}, batch_ * length_);
}

torch::Tensor TokenPacking::to_attention_order(const torch::Tensor& rows) const {
  if (!attention_order_.defined()) return rows;
  return PermuteRows::apply(rows, attention_order_.to(rows.device()), row_order_.to(rows.device()));
}

torch::Tensor TokenPacking::from_attention_order(const torch::Tensor& rows) const {
  if (!attention_order_.defined()) return rows;
  return PermuteRows::apply(rows, row_order_.to(rows.device()), attention_order_.to(rows.device()));
}

torch::Tensor TokenPacking::per_token(const torch::Tensor& per_sequence) const {
  return per_sequence.index_select(0, sequence_.to(per_sequence.device()));
}

}  // namespace moe::model
