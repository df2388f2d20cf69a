// run_embedding on any number of ranks writes the file one process would: the same ids in
// input order and each row equal to the text embedded alone by TextEmbedder, for given
// domains and for routed ones, with rounds that split unevenly over the ranks.
#include "embed/embedding_job.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <fstream>

#include "data/vocabulary.h"
#include "dist/mpi_communicator.h"
#include "embed/embedding_file.h"
#include "embed/text_embedder.h"
#include "model/parameter_loading.h"
#include "support/embedding_fixtures.h"
#include "support/scoped_temp_dir.h"

namespace {

// Rank 0's temporary folder, known to every rank.
std::string shared_folder(const moe::testing_support::ScopedTempDir* dir) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::string path = rank == 0 ? dir->path("") : std::string();
  int length = static_cast<int>(path.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  path.resize(static_cast<size_t>(length));
  MPI_Bcast(path.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
  return path;
}

void check_against_one_process(bool router) {
  auto world = moe::dist::MpiCommunicator::world();
  std::unique_ptr<moe::testing_support::ScopedTempDir> dir;
  if (world->rank() == 0)
    dir = std::make_unique<moe::testing_support::ScopedTempDir>("moe_embedding_job_test");
  const std::string folder = shared_folder(dir.get());
  moe::testing_support::SmallCheckpointOptions model;
  model.router = router;
  const moe::model::CheckpointContents checkpoint = moe::testing_support::small_checkpoint(model);
  std::vector<std::string> texts;
  for (int i = 0; i < 23; ++i) {
    std::string text;
    for (int w = 0; w <= i % 9; ++w) text += "word" + std::to_string((i * 7 + w) % 95) + " ";
    texts.push_back(text);
  }
  if (world->rank() == 0) {
    moe::model::write_checkpoint(folder + "/model.h5", checkpoint);
    std::ofstream input(folder + "/texts.tsv");
    input << "id\ttext\n";
    for (size_t i = 0; i < texts.size(); ++i) input << "doc-" << i << "\t" << texts[i] << "\n";
  }
  world->barrier();

  moe::embed::EmbeddingJobOptions options;
  options.checkpoint = folder + "/model.h5";
  options.input = folder + "/texts.tsv";
  options.format = moe::data::TextFormat::tsv;
  options.output = folder + "/out.h5";
  if (!router) options.domain = "pulmo";
  options.batch_size = 3;
  options.chunk_texts = 4;  // 23 texts: rounds of 4 per rank, the last one short
  options.progress = false;
  const moe::embed::EmbeddingPlan plan = moe::embed::plan_embedding(options);
  const moe::embed::EmbeddingSummary summary = moe::embed::run_embedding(plan, *world, torch::kCPU);
  EXPECT_EQ(summary.count, 23);
  EXPECT_EQ(summary.dimension, 32);
  if (world->rank() == 0) {
    const moe::embed::EmbeddingFile file = moe::embed::read_embedding_file(options.output);
    moe::embed::TextEmbedderOptions alone;
    alone.max_length = plan.max_length;
    moe::embed::TextEmbedder embedder(
        moe::model::encoder_from_checkpoint(checkpoint, "test"),
        moe::data::WordPieceTokenizer(moe::data::Vocabulary::from_tokens(checkpoint.vocab_tokens),
                                      {}),
        alone);
    const std::vector<int32_t> domains(texts.size(), router ? moe::embed::kRouted : 1);
    const moe::embed::EmbeddedTexts expected = embedder.embed(texts, domains);
    EXPECT_TRUE(torch::allclose(file.embeddings, expected.embeddings, 1e-5, 1e-5));
    ASSERT_EQ(file.ids.size(), texts.size());
    for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(file.ids[i], "doc-" + std::to_string(i));
    const torch::Tensor stored = torch::tensor(
        std::vector<int64_t>(file.domains.begin(), file.domains.end()), torch::kInt64);
    EXPECT_TRUE(torch::equal(stored, expected.domains));
    EXPECT_EQ(file.info.routing, router ? "router" : "given");
    int64_t total = 0;
    for (int64_t n : summary.texts_per_domain) total += n;
    EXPECT_EQ(total, 23);
  }
  world->barrier();  // rank 0 removes the folder only after every rank is done with it
}

TEST(EmbeddingJob, GivenDomainMatchesOneProcess) { check_against_one_process(false); }
TEST(EmbeddingJob, RoutedTextsMatchOneProcess) { check_against_one_process(true); }

}  // namespace
