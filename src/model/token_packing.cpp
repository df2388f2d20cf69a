// Implementation of TokenPacking (see token_packing.h).
#include "model/token_packing.h"

#include "common/error.h"

namespace moe::model {

TokenPacking::TokenPacking(const torch::Tensor& attention_mask)
    : batch_(attention_mask.size(0)), length_(attention_mask.size(1)) {
  MOE_REQUIRE(attention_mask.dim() == 2, "token packing: the attention mask must be 2-D");
  real_ = attention_mask.reshape({-1}).nonzero().squeeze(1);
  sequence_ = torch::div(real_, length_, "floor");
}

torch::Tensor TokenPacking::pack(const torch::Tensor& padded) const {
  std::vector<int64_t> shape = {batch_ * length_};
  for (int64_t d = 2; d < padded.dim(); ++d) shape.push_back(padded.size(d));
  return padded.reshape(shape).index_select(0, real_);
}

torch::Tensor TokenPacking::unpack(const torch::Tensor& rows) const {
  std::vector<int64_t> flat = {batch_ * length_}, shape = {batch_, length_};
  for (int64_t d = 1; d < rows.dim(); ++d) {
    flat.push_back(rows.size(d));
    shape.push_back(rows.size(d));
  }
  return torch::zeros(flat, rows.options()).index_copy(0, real_, rows).view(shape);
}

torch::Tensor TokenPacking::per_token(const torch::Tensor& per_sequence) const {
  return per_sequence.index_select(0, sequence_.to(per_sequence.device()));
}

}  // namespace moe::model
