// NcclCommunicator with one GPU per rank (device = local rank): every collective with
// uneven and empty row counts in several dtypes, CPU tensors through MPI on the same
// communicator, ordering against LibTorch's current stream, and agreement with
// MpiCommunicator on CPU copies. Every rank skips when any rank lacks its GPU.
#include <c10/cuda/CUDAGuard.h>  // CUDAStreamGuard: run on a non-default current stream
#include <c10/cuda/CUDAStream.h>
#include <gtest/gtest.h>
#include <mpi.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "common/error.h"
#include "dist/device_communicator.h"
#include "dist/mpi_communicator.h"
#include "support/expect_error.h"
#include "support/gpu_ranks.h"

namespace {

using moe::dist::Communicator;
using moe::dist::MpiCommunicator;

const std::vector<torch::ScalarType> kDtypes = {torch::kFloat32, torch::kFloat64, torch::kBFloat16,
                                                torch::kInt64};

// A row's values encode (owner, row, column) so misplaced rows are caught; built in float64
// on the CPU, then converted, so expected and actual values round the same way.
torch::Tensor rows_of(int owner, int64_t rows, torch::ScalarType dtype, int64_t columns = 3) {
  torch::Tensor t = torch::empty({rows, columns}, torch::kFloat64);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t c = 0; c < columns; ++c) t[i][c] = owner * 1000 + i * 10 + c;
  return t.to(dtype);
}

// Same dtype and the same values, wherever the tensors live.
::testing::AssertionResult same(const torch::Tensor& actual, const torch::Tensor& expected) {
  if (actual.scalar_type() != expected.scalar_type())
    return ::testing::AssertionFailure()
           << "dtype " << actual.scalar_type() << " vs " << expected.scalar_type();
  const torch::Tensor a = actual.cpu().to(torch::kFloat64);
  const torch::Tensor e = expected.cpu().to(torch::kFloat64);
  if (a.sizes() == e.sizes() && torch::equal(a, e)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got\n" << a << "\nexpected\n" << e;
}

class NcclCommunicatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = MpiCommunicator::world();
    // Every rank must skip, or none: a lone rank building the communicator would wait.
    if (!moe::testing_support::every_rank_has_a_gpu())
      GTEST_SKIP() << "needs one CUDA device per rank on every node";
    device_ = torch::Device(torch::kCUDA,
                            static_cast<c10::DeviceIndex>(moe::testing_support::node_local_rank()));
    comm_ = moe::dist::make_device_communicator(*world_, device_, /*timeout_seconds=*/60.0);
  }

  torch::Tensor on_gpu(const torch::Tensor& t) const { return t.to(device_); }
  int me() const { return comm_->rank(); }
  int ranks() const { return comm_->size(); }

  std::unique_ptr<MpiCommunicator> world_;
  torch::Device device_ = torch::kCPU;
  std::unique_ptr<Communicator> comm_;
};

TEST_F(NcclCommunicatorTest, IsTheNcclBackendOverTheWorldsRanks) {
  EXPECT_EQ(comm_->backend_name(), "nccl");
  EXPECT_EQ(comm_->rank(), world_->rank());
  EXPECT_EQ(comm_->size(), world_->size());
}

TEST_F(NcclCommunicatorTest, AllReduceSumAddsEveryRankInEveryDtype) {
  const int p = ranks();
  for (torch::ScalarType dtype :
       {torch::kFloat32, torch::kFloat64, torch::kFloat16, torch::kBFloat16, torch::kInt64,
        torch::kInt32, torch::kUInt8, torch::kInt8}) {
    torch::Tensor t = on_gpu(torch::full({5}, me() + 1, dtype));
    comm_->all_reduce_sum(t);
    EXPECT_TRUE(same(t, torch::full({5}, p * (p + 1) / 2, dtype))) << dtype;
  }
}

TEST_F(NcclCommunicatorTest, AllGatherRowsEvenUnevenAndEmpty) {
  for (torch::ScalarType dtype : kDtypes) {
    // Even (one ncclAllGather), then rank r contributing r rows (rank 0 none: send/recv).
    for (bool even : {true, false}) {
      auto rows = [&](int r) { return even ? int64_t{2} : int64_t{r}; };
      torch::Tensor gathered = comm_->all_gather_rows(on_gpu(rows_of(me(), rows(me()), dtype)));
      std::vector<torch::Tensor> expected;
      for (int r = 0; r < ranks(); ++r) expected.push_back(rows_of(r, rows(r), dtype));
      EXPECT_TRUE(gathered.is_cuda());
      EXPECT_TRUE(same(gathered, torch::cat(expected))) << dtype << (even ? " even" : " uneven");
    }
  }
}

TEST_F(NcclCommunicatorTest, ReduceScatterRowsEvenAndUneven) {
  const int p = ranks();
  for (torch::ScalarType dtype : kDtypes) {
    for (bool even : {true, false}) {
      std::vector<int64_t> rows_per_rank;
      int64_t total = 0;
      for (int r = 0; r < p; ++r) {
        rows_per_rank.push_back(even ? 2 : (r % 2 == 0 ? 2 : 0));
        total += rows_per_rank.back();
      }
      // Every rank holds base * (rank + 1); the sum is base * P(P+1)/2.
      const torch::Tensor base = torch::arange(total * 2, torch::kFloat64).reshape({total, 2});
      torch::Tensor mine =
          comm_->reduce_scatter_rows(on_gpu((base * (me() + 1)).to(dtype)), rows_per_rank);
      int64_t offset = 0;
      for (int r = 0; r < me(); ++r) offset += rows_per_rank[r];
      const torch::Tensor expected =
          (base.slice(0, offset, offset + rows_per_rank[me()]) * (p * (p + 1) / 2)).to(dtype);
      EXPECT_TRUE(same(mine, expected)) << dtype << (even ? " even" : " uneven");
    }
  }
}

TEST_F(NcclCommunicatorTest, AllToAllRowsIncludingSelfAndEmptyPeers) {
  auto rows_from_to = [](int from, int to) { return static_cast<int64_t>((from + 2 * to) % 3); };
  for (torch::ScalarType dtype : kDtypes) {
    std::vector<int64_t> send_rows;
    std::vector<torch::Tensor> blocks;
    for (int to = 0; to < ranks(); ++to) {
      send_rows.push_back(rows_from_to(me(), to));
      blocks.push_back(rows_of(me() * 100 + to, send_rows.back(), dtype));
    }
    torch::Tensor received = comm_->all_to_all_rows(on_gpu(torch::cat(blocks)), send_rows);
    std::vector<torch::Tensor> expected;
    for (int from = 0; from < ranks(); ++from)
      expected.push_back(rows_of(from * 100 + me(), rows_from_to(from, me()), dtype));
    EXPECT_TRUE(same(received, torch::cat(expected))) << dtype;
  }
}

TEST_F(NcclCommunicatorTest, NothingToMoveAnywhere) {
  const std::vector<int64_t> none(ranks(), 0);
  torch::Tensor empty = on_gpu(rows_of(me(), 0, torch::kFloat32));
  EXPECT_EQ(comm_->all_to_all_rows(empty, none).size(0), 0);
  EXPECT_EQ(comm_->all_gather_rows(empty).size(0), 0);
  EXPECT_EQ(comm_->reduce_scatter_rows(empty, none).size(0), 0);
}

TEST_F(NcclCommunicatorTest, GatherRowsOnLastRank) {
  const int root = ranks() - 1;
  for (torch::ScalarType dtype : kDtypes) {
    torch::Tensor gathered = comm_->gather_rows(on_gpu(rows_of(me(), me(), dtype)), root);
    if (me() == root) {
      std::vector<torch::Tensor> expected;
      for (int r = 0; r < ranks(); ++r) expected.push_back(rows_of(r, r, dtype));
      EXPECT_TRUE(same(gathered, torch::cat(expected))) << dtype;
    } else {
      EXPECT_EQ(gathered.numel(), 0);
    }
  }
}

TEST_F(NcclCommunicatorTest, BroadcastFromLastRank) {
  const int root = ranks() - 1;
  for (torch::ScalarType dtype : kDtypes) {
    const torch::Tensor values = torch::arange(6, torch::kFloat64).to(dtype);
    torch::Tensor t = on_gpu(me() == root ? values : torch::zeros({6}, dtype));
    comm_->broadcast(t, root);
    EXPECT_TRUE(same(t, values)) << dtype;
  }
}

TEST_F(NcclCommunicatorTest, AllGatherValueAndBarrier) {
  const std::vector<int64_t> values = comm_->all_gather_value(7 * me() + 1);
  ASSERT_EQ(static_cast<int>(values.size()), ranks());
  for (int r = 0; r < ranks(); ++r) EXPECT_EQ(values[r], 7 * r + 1);
  comm_->barrier();
}

TEST_F(NcclCommunicatorTest, SplitFormsIndependentNcclGroups) {
  // Reverse order within each group (key = -rank) to check that the key orders ranks.
  auto group = comm_->split(me() % 2, -me());
  const int group_size = (ranks() + 1 - me() % 2) / 2;
  EXPECT_EQ(group->backend_name(), "nccl");
  EXPECT_EQ(group->size(), group_size);
  EXPECT_EQ(group->rank(), group_size - 1 - me() / 2);
  torch::Tensor t = on_gpu(torch::full({1}, me(), torch::kInt64));
  group->all_reduce_sum(t);
  int64_t expected = 0;
  for (int r = me() % 2; r < ranks(); r += 2) expected += r;
  EXPECT_EQ(t.item<int64_t>(), expected);
  // The parent still works after the child is gone.
  group.reset();
  torch::Tensor u = on_gpu(torch::ones({1}, torch::kInt64));
  comm_->all_reduce_sum(u);
  EXPECT_EQ(u.item<int64_t>(), ranks());
}

TEST_F(NcclCommunicatorTest, CpuTensorsTravelOverMpi) {
  torch::Tensor counts = torch::full({3}, me() + 1, torch::kInt64);
  comm_->all_reduce_sum(counts);
  EXPECT_TRUE(counts.device().is_cpu());
  EXPECT_TRUE(same(counts, torch::full({3}, ranks() * (ranks() + 1) / 2, torch::kInt64)));
  torch::Tensor gathered = comm_->all_gather_rows(rows_of(me(), me(), torch::kFloat32));
  EXPECT_TRUE(gathered.device().is_cpu());
  EXPECT_EQ(gathered.size(0), ranks() * (ranks() - 1) / 2);
}

TEST_F(NcclCommunicatorTest, WaitsForTheCurrentStreamAndIsSeenByIt) {
  // Work on a side stream made current, as the trainer's own streams would be.
  const c10::cuda::CUDAStreamGuard side(c10::cuda::getStreamFromPool(false, device_.index()));
  torch::Tensor slow = torch::randn({2048, 2048}, torch::TensorOptions().device(device_));
  for (int i = 0; i < 20; ++i) slow = torch::tanh(slow.matmul(slow) / 2048);
  // The input exists only once the long chain has run: the collective must wait for it.
  torch::Tensor input = (slow.sum() * 0 + (me() + 1)).expand({1 << 20}).contiguous();
  comm_->all_reduce_sum(input);
  // Queued on the current stream right after: must see the sum, not the input.
  const torch::Tensor doubled = input * 2;
  const int p = ranks();
  EXPECT_TRUE(same(doubled, torch::full({1 << 20}, p * (p + 1), torch::kFloat32)));
}

TEST_F(NcclCommunicatorTest, MatchesMpiCommunicatorOnCpuCopies) {
  torch::manual_seed(1234 + me());
  const int p = ranks();
  const torch::Tensor same_shape = torch::randint(-1000, 1000, {6, 3}, torch::kInt64);
  torch::Tensor on_device = on_gpu(same_shape);
  torch::Tensor on_host = same_shape.clone();
  comm_->all_reduce_sum(on_device);
  world_->all_reduce_sum(on_host);
  EXPECT_TRUE(same(on_device, on_host));

  const torch::Tensor local = torch::randn({(me() * 3) % 4 + 1, 5});
  EXPECT_TRUE(same(comm_->all_gather_rows(on_gpu(local)), world_->all_gather_rows(local)));
  EXPECT_TRUE(same(comm_->gather_rows(on_gpu(local), 0), world_->gather_rows(local, 0)));

  std::vector<int64_t> rows_per_rank;
  for (int r = 0; r < p; ++r) rows_per_rank.push_back(r % 2 == 0 ? 2 : 1);
  const int64_t total = (p + 1) / 2 * 2 + p / 2;
  const torch::Tensor full = torch::randint(-1000, 1000, {total, 4}, torch::kInt64);
  EXPECT_TRUE(same(comm_->reduce_scatter_rows(on_gpu(full), rows_per_rank),
                   world_->reduce_scatter_rows(full, rows_per_rank)));

  std::vector<int64_t> send_rows;
  for (int to = 0; to < p; ++to) send_rows.push_back((me() + to) % 3);
  int64_t send_total = 0;
  for (int64_t rows : send_rows) send_total += rows;
  const torch::Tensor send = torch::randn({send_total, 2});
  EXPECT_TRUE(same(comm_->all_to_all_rows(on_gpu(send), send_rows),
                   world_->all_to_all_rows(send, send_rows)));
}

TEST_F(NcclCommunicatorTest, StatsCountCallsAndBytes) {
  comm_->reset_stats();
  torch::Tensor t = on_gpu(torch::zeros({256}, torch::kFloat32));
  comm_->all_reduce_sum(t);
  EXPECT_EQ(comm_->stats().calls, 1);
  EXPECT_EQ(comm_->stats().bytes_sent, 256 * 4);
  EXPECT_GE(comm_->stats().seconds, 0.0);
}

TEST_F(NcclCommunicatorTest, RejectsWhatNcclCannotMove) {
  torch::Tensor flags = on_gpu(torch::ones({4}, torch::kBool));
  const std::string message = moe::testing_support::error_of([&] { comm_->all_reduce_sum(flags); });
  EXPECT_MENTIONS(message, "all_reduce_sum");
  EXPECT_MENTIONS(message, "Bool");
  torch::Tensor strided = on_gpu(torch::zeros({4, 4})).t();
  EXPECT_THROW(comm_->all_reduce_sum(strided), moe::Error);
}

}  // namespace
