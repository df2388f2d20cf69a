// Bucketed gradient summation (see gradient_sync.h).
#include "dist/gradient_sync.h"

namespace moe::dist {
namespace {

void reduce_bucket(Communicator& comm, const std::vector<torch::Tensor>& bucket) {
  if (bucket.empty()) return;
  std::vector<torch::Tensor> flat_views;
  flat_views.reserve(bucket.size());
  for (const torch::Tensor& p : bucket) flat_views.push_back(p.grad().reshape({-1}));
  torch::Tensor flat = torch::cat(flat_views);
  comm.all_reduce_sum(flat);
  int64_t offset = 0;
  for (const torch::Tensor& p : bucket) {
    const int64_t n = p.numel();
    p.mutable_grad().copy_(flat.slice(0, offset, offset + n).view_as(p));
    offset += n;
  }
}

}  // namespace

void sum_gradients(Communicator& comm, const std::vector<torch::Tensor>& parameters,
                   int64_t bucket_bytes) {
  torch::NoGradGuard no_grad;
  // Zero-fill first, also for a group of one, so the optimizer treats an expert that saw
  // no example the same whatever the placement (it decays and keeps its moments).
  for (const torch::Tensor& p : parameters)
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
  if (comm.size() == 1) return;
  std::vector<torch::Tensor> bucket;
  int64_t bucket_size = 0;
  for (const torch::Tensor& p : parameters) {
    bucket.push_back(p);
    bucket_size += p.numel() * p.element_size();
    if (bucket_size >= bucket_bytes) {
      reduce_bucket(comm, bucket);
      bucket.clear();
      bucket_size = 0;
    }
  }
  reduce_bucket(comm, bucket);
}

}  // namespace moe::dist
