// Checks how queries become vectors: the model's fingerprint tells models apart (another seed
// or a single changed weight), QueryEncoder embeds with the index's model and domain path,
// uses the router when the index has several parts, and refuses another model.
#include <gtest/gtest.h>

#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"
#include "embed/text_embedder.h"
#include "index/index_search.h"
#include "model/model_fingerprint.h"
#include "model/parameter_loading.h"
#include "support/embedding_fixtures.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

using moe::index::IndexManifest;
using moe::index::QueryEncoder;
using moe::testing_support::error_of;
using moe::testing_support::SmallCheckpointOptions;

namespace {

class QueryEncoderTest : public ::testing::Test {
 protected:
  // Writes a small checkpoint and a manifest that says it embedded a two-part index.
  IndexManifest index_of(const SmallCheckpointOptions& model) {
    checkpoint_ = moe::testing_support::small_checkpoint(model);
    moe::model::write_checkpoint(temp_.path("model.h5"), checkpoint_);
    IndexManifest manifest;
    manifest.dimension = checkpoint_.config.hidden_size;
    manifest.count = 2;
    manifest.routing = "field";
    manifest.model.checkpoint = temp_.path("model.h5");
    manifest.model.fingerprint = moe::model::model_fingerprint(checkpoint_);
    manifest.model.vocab_hash = checkpoint_.vocab_hash;
    manifest.model.max_length = 16;
    manifest.model.domains = checkpoint_.layout.domains;
    manifest.parts = {{"cardio", "cardio.faiss", 1, -1}, {"pulmo", "pulmo.faiss", 1, -1}};
    return manifest;
  }

  moe::model::CheckpointContents checkpoint_;
  moe::testing_support::ScopedTempDir temp_{"moe_query_encoder_test"};
};

TEST(ModelFingerprint, TellsModelsApartAndSurvivesTheFile) {
  moe::testing_support::ScopedTempDir temp("moe_fingerprint_test");
  SmallCheckpointOptions options;
  const auto a = moe::testing_support::small_checkpoint(options);
  const std::string fingerprint = moe::model::model_fingerprint(a);
  EXPECT_EQ(fingerprint.size(), 16u);
  EXPECT_EQ(moe::model::model_fingerprint(moe::testing_support::small_checkpoint(options)),
            fingerprint);
  moe::model::write_checkpoint(temp.path("a.h5"), a);
  EXPECT_EQ(moe::model::model_fingerprint(moe::model::read_checkpoint(temp.path("a.h5"))),
            fingerprint);
  options.seed = 6;
  EXPECT_NE(moe::model::model_fingerprint(moe::testing_support::small_checkpoint(options)),
            fingerprint);
  auto nudged = moe::testing_support::small_checkpoint({});
  auto& expert = nudged.experts.begin()->second.begin()->second;
  expert = expert.clone();
  expert.view(-1)[0] += 1e-3;
  EXPECT_NE(moe::model::model_fingerprint(nudged), fingerprint);
}

TEST_F(QueryEncoderTest, EmbedsWithTheIndexModelAndDomainPath) {
  const IndexManifest manifest = index_of({});
  QueryEncoder encoder(manifest, "", 4);
  const std::vector<std::string> texts = {"word1 word2 word3", "word7"};
  const moe::index::EncodedQueries encoded = encoder.encode(texts, "pulmo");
  EXPECT_EQ(encoded.parts, (std::vector<std::string>{"pulmo", "pulmo"}));
  EXPECT_EQ(encoded.routed, (std::vector<bool>{false, false}));

  // The same as embedding with the pulmo path directly, normalised.
  moe::embed::TextEmbedderOptions options;
  options.max_length = 16;
  options.normalize = true;
  moe::embed::TextEmbedder direct(
      moe::model::encoder_from_checkpoint(checkpoint_, "test"),
      moe::data::WordPieceTokenizer(moe::data::Vocabulary::from_tokens(checkpoint_.vocab_tokens),
                                    {}),
      options);
  const torch::Tensor expected = direct.embed(texts, {1, 1}).embeddings;
  EXPECT_TRUE(torch::allclose(encoded.vectors, expected, 1e-5, 1e-6));
  EXPECT_NEAR(encoded.vectors[0].norm().item<float>(), 1.0f, 1e-5);
  EXPECT_MENTIONS(error_of([&] { encoder.encode(texts, ""); }),
                  "its model has no router: name the query's domain with --domain");
  EXPECT_MENTIONS(error_of([&] { encoder.encode(texts, "derm"); }),
                  "--domain derm: the index has no part for it (parts: cardio, pulmo)");
}

TEST_F(QueryEncoderTest, TheRouterPicksEachQuerysPart) {
  SmallCheckpointOptions routed;
  routed.router = true;
  const IndexManifest manifest = index_of(routed);
  QueryEncoder encoder(manifest, "", 4);
  const moe::index::EncodedQueries encoded = encoder.encode({"word1 word2", "word50 word60"}, "");
  ASSERT_EQ(encoded.parts.size(), 2u);
  for (size_t q = 0; q < 2; ++q) {
    EXPECT_TRUE(encoded.routed[q]);
    EXPECT_TRUE(encoded.parts[q] == "cardio" || encoded.parts[q] == "pulmo") << encoded.parts[q];
  }
}

TEST_F(QueryEncoderTest, RefusesAnotherModel) {
  const IndexManifest manifest = index_of({});
  SmallCheckpointOptions other;
  other.seed = 99;
  moe::model::write_checkpoint(temp_.path("other.h5"),
                               moe::testing_support::small_checkpoint(other));
  EXPECT_MENTIONS(error_of([&] { QueryEncoder(manifest, temp_.path("other.h5"), 4); }),
                  "checkpoint " + temp_.path("other.h5") + " comes from another model");
  EXPECT_MENTIONS(error_of([&] { QueryEncoder(manifest, temp_.path("gone.h5"), 4); }),
                  "is missing; pass --checkpoint with its new place");
}

}  // namespace
