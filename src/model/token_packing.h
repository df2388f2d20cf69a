// The real (non-padding) tokens of a padded batch as packed rows. Every token-wise part of
// a layer (the projections, the feed-forward block or experts, dropout, layer norms) runs
// on [tokens, hidden] rows instead of [batch, length, hidden], so no work is spent on
// padding: with lengths uniform in [L/2, L] that is about a quarter of the rows.
//
// Row order: sequences sorted by expert slot (when given), then by length, longest first;
// each sequence's tokens in their order. So each expert's tokens are one block of rows
// (experts run on slices: no per-expert gather or scatter).
//
// Attention runs on groups of sequences of similar length, by length alone (experts mixed),
// each padded only to its own longest sequence rather than the batch's, which removes most
// of the attention's padding (scores cost length^2). Groups are contiguous in the attention
// order: the row order itself with one expert slot or none; with several, attention permutes
// its rows once in and once out (grouping within each expert instead left each group
// spanning the whole length range: 1.55x the real score area against 1.15x).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace moe::model {

// A group of neighbouring sequences whose attention is computed together.
struct AttentionGroup {
  int64_t first_row = 0, rows = 0;  // its tokens: [first_row, first_row + rows) in attention order
  int64_t sequences = 0, length = 0;  // its padded layout [sequences, length]
  torch::Tensor positions;            // [rows] int64: each row's place in that layout, flattened
  torch::Tensor padding;              // the other places of that layout, flattened
  torch::Tensor key_mask;             // [sequences, length] int64: 1 at real tokens

  // The group's rows [rows, ...] -> [sequences, length, ...] with zeros at padding, and back.
  // Both differentiable.
  torch::Tensor unpack(const torch::Tensor& group_rows) const;
  torch::Tensor pack(const torch::Tensor& padded) const;
};

class TokenPacking {
 public:
  // Sequences per attention group. Smaller groups pad less but run more, smaller products:
  // on 2 CPU cores at 64 sequences, groups of 8, 16 and 32 ran alike (within the machine's
  // noise) and one group for the whole batch a few percent slower.
  static constexpr int64_t kSequencesPerAttentionGroup = 16;

  // attention_mask [batch, length], nonzero for real tokens. expert_slot [batch] int64 (>= 0)
  // or undefined when the layers hold no experts to run locally.
  explicit TokenPacking(const torch::Tensor& attention_mask,
                        const torch::Tensor& expert_slot = torch::Tensor(),
                        int64_t sequences_per_group = kSequencesPerAttentionGroup);

  // [batch, length, ...] -> [tokens, ...] (real tokens in row order).
  torch::Tensor pack(const torch::Tensor& padded) const;
  // [tokens, ...] -> [batch, length, ...] with zeros at padding. Differentiable.
  torch::Tensor unpack(const torch::Tensor& rows) const;
  // [batch] per-sequence values -> [tokens] (each token takes its sequence's value).
  torch::Tensor per_token(const torch::Tensor& per_sequence) const;

  // Rows of each expert slot 0, 1, ... up to the highest slot given (empty without slots).
  const std::vector<int64_t>& expert_rows() const { return expert_rows_; }
  // Consecutive groups covering every row of the attention order once (none when there are
  // no tokens).
  const std::vector<AttentionGroup>& attention_groups() const { return groups_; }
  // [tokens, ...] rows from row order into attention order, and back. Differentiable; the
  // rows themselves (no copy) when the two orders agree.
  torch::Tensor to_attention_order(const torch::Tensor& rows) const;
  torch::Tensor from_attention_order(const torch::Tensor& rows) const;

  int64_t tokens() const { return real_.size(0); }

 private:
  torch::Tensor real_;      // [tokens] int64: positions in the flattened [batch * length]
  torch::Tensor padding_;   // the other positions of [batch * length]
  torch::Tensor sequence_;  // [tokens] int64: the sequence of each token
  std::vector<int64_t> expert_rows_;
  std::vector<AttentionGroup> groups_;
  // Row r of the attention order is row attention_order_[r]; row_order_ is the inverse.
  // Undefined when the attention order is the row order.
  torch::Tensor attention_order_, row_order_;
  int64_t batch_ = 0, length_ = 0;
};

}  // namespace moe::model
