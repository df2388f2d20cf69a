// Checks TextEmbedder: each text's row equals the encoder run on that text alone (sorting by
// length and padding change nothing), given domains pick their expert, the router's choice
// is reported, normalisation gives unit rows, and cut texts are counted.
#include "embed/text_embedder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "data/vocabulary.h"
#include "model/parameter_loading.h"
#include "support/embedding_fixtures.h"
#include "support/expect_error.h"

using moe::embed::kRouted;
using moe::embed::TextEmbedder;
using moe::embed::TextEmbedderOptions;
using moe::testing_support::small_checkpoint;
using moe::testing_support::SmallCheckpointOptions;

namespace {

// Texts of different lengths, so batches need padding and sorting changes their order.
const std::vector<std::string> kTexts = {
    "word1 word2 word3",         "word4",         "word5 word6 word7 word8 word9 word10 word11",
    "Word12 WORD13 unknownword", "word14 word15",
};

struct Fixture {
  moe::model::CheckpointContents checkpoint;
  moe::model::BertEncoder encoder{nullptr};
  moe::data::WordPieceTokenizer tokenizer;

  explicit Fixture(const SmallCheckpointOptions& options)
      : checkpoint(small_checkpoint(options)),
        encoder(moe::model::encoder_from_checkpoint(checkpoint, "test")),
        tokenizer(moe::data::Vocabulary::from_tokens(checkpoint.vocab_tokens), {}) {}

  // small_bert has 32 positions; TextEmbedderOptions' default length is longer.
  TextEmbedder embedder(TextEmbedderOptions options) const {
    options.max_length = std::min(options.max_length, 32);
    return TextEmbedder(encoder, tokenizer, options);
  }

  // The encoder on one text alone: no padding, no batch neighbours.
  torch::Tensor alone(const std::string& text, int32_t domain, int max_length) {
    torch::NoGradGuard no_grad;
    const std::vector<int32_t> ids = tokenizer.encode(text, max_length);
    const torch::Tensor input =
        torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64).unsqueeze(0);
    const torch::Tensor domains =
        domain == kRouted ? torch::Tensor() : torch::tensor({int64_t{domain}}, torch::kInt64);
    return encoder->encode(input, torch::ones_like(input), domains).sentence[0];
  }
};

TEST(TextEmbedder, RowsEqualEachTextEmbeddedAloneInInputOrder) {
  Fixture f({});
  TextEmbedderOptions options;
  options.batch_size = 2;  // several batches, each padded to its longest text
  TextEmbedder embedder = f.embedder(options);
  const std::vector<int32_t> domains = {0, 1, 0, 1, 1};
  const moe::embed::EmbeddedTexts out = embedder.embed(kTexts, domains);
  ASSERT_EQ(out.embeddings.sizes(), (std::vector<int64_t>{5, 32}));
  for (size_t i = 0; i < kTexts.size(); ++i) {
    const torch::Tensor expected = f.alone(kTexts[i], domains[i], 32);
    EXPECT_TRUE(torch::allclose(out.embeddings[static_cast<int64_t>(i)], expected, 1e-5, 1e-5))
        << "text " << i;
    EXPECT_EQ(out.domains[static_cast<int64_t>(i)].item<int64_t>(), domains[i]);
  }
  // The experts differ, so the domain matters.
  const moe::embed::EmbeddedTexts other = embedder.embed(kTexts, {1, 0, 1, 0, 0});
  EXPECT_FALSE(torch::allclose(out.embeddings, other.embeddings, 1e-4, 1e-4));
}

TEST(TextEmbedder, RouterChoosesAndReportsTheDomain) {
  SmallCheckpointOptions options;
  options.router = true;
  Fixture f(options);
  TextEmbedder embedder = f.embedder({});
  const std::vector<int32_t> routed(kTexts.size(), kRouted);
  const moe::embed::EmbeddedTexts out = embedder.embed(kTexts, routed);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    const auto row = static_cast<int64_t>(i);
    const int64_t chosen = out.domains[row].item<int64_t>();
    ASSERT_TRUE(chosen == 0 || chosen == 1);
    // Routed = the same text run with the chosen domain given.
    EXPECT_TRUE(torch::allclose(out.embeddings[row],
                                f.alone(kTexts[i], static_cast<int32_t>(chosen), 32), 1e-5, 1e-5));
  }
  const std::string message = moe::testing_support::error_of([&] {
    embedder.embed({"word1", "word2"}, {kRouted, 0});
  });
  EXPECT_MENTIONS(message, "either all name their domain or all be routed");
}

TEST(TextEmbedder, NormalizeGivesUnitRowsAndCutTextsAreCounted) {
  Fixture f({});
  TextEmbedderOptions options;
  options.normalize = true;
  options.max_length = 4;  // [CLS] + 2 words + [SEP]
  TextEmbedder embedder = f.embedder(options);
  const moe::embed::EmbeddedTexts out = embedder.embed(kTexts, {0, 0, 0, 0, 0});
  EXPECT_TRUE(torch::allclose(out.embeddings.norm(2, 1), torch::ones({5}), 1e-5, 1e-5));
  // Cut: the 3-, 7- and 3-piece texts; "word14 word15" fills the 4 tokens exactly and counts.
  EXPECT_EQ(out.truncated, 4);
  const torch::Tensor expected = f.alone(kTexts[2], 0, 4);
  EXPECT_TRUE(torch::allclose(out.embeddings[2], expected / expected.norm(), 1e-5, 1e-5));
}

TEST(TextEmbedder, DenseModelIgnoresDomainsAndEmptyInputIsFine) {
  SmallCheckpointOptions options;
  options.experts = false;
  Fixture f(options);
  TextEmbedder embedder = f.embedder({});
  const moe::embed::EmbeddedTexts a = embedder.embed(kTexts, {0, 0, 0, 0, 0});
  const moe::embed::EmbeddedTexts b = embedder.embed(kTexts, {1, 1, 0, 1, 0});
  EXPECT_TRUE(torch::equal(a.embeddings, b.embeddings));
  const moe::embed::EmbeddedTexts none = embedder.embed({}, {});
  EXPECT_EQ(none.embeddings.sizes(), (std::vector<int64_t>{0, 32}));
}

TEST(TextEmbedder, RejectsLengthsTheModelCannotHold) {
  Fixture f({});
  TextEmbedderOptions options;
  options.max_length = 33;  // small_bert has 32 positions
  const std::string message = moe::testing_support::error_of(
      [&] { TextEmbedder(f.encoder, f.tokenizer, options); });
  EXPECT_MENTIONS(message, "max length 33 is outside 2..32");
}

}  // namespace
