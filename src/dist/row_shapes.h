// Shape arithmetic shared by the communicators: collectives move whole rows (dim 0), and a
// 0-d tensor counts as one row of one element.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace moe::dist {

// Elements in one row (the product of the trailing dimensions).
inline int64_t elements_per_row(const torch::Tensor& tensor) {
  int64_t n = 1;
  for (int64_t d = 1; d < tensor.dim(); ++d) n *= tensor.size(d);
  return n;
}

// `like`'s shape with `rows` rows.
inline std::vector<int64_t> shape_with_rows(const torch::Tensor& like, int64_t rows) {
  std::vector<int64_t> shape(like.sizes().begin(), like.sizes().end());
  if (shape.empty())
    shape.push_back(rows);
  else
    shape[0] = rows;
  return shape;
}

}  // namespace moe::dist
