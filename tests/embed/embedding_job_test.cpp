// Checks plan_embedding, the checks moe_embed makes on every rank before any work: how the
// domain of each text is decided, and one clear error for each bad request.
#include "embed/embedding_job.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/embedding_fixtures.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

using moe::embed::EmbeddingJobOptions;
using moe::embed::plan_embedding;
using moe::testing_support::error_of;
using moe::testing_support::SmallCheckpointOptions;

namespace {

class EmbeddingPlanTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_.path(name); }

  // A checkpoint file and a JSONL input with a domain key.
  EmbeddingJobOptions request(const SmallCheckpointOptions& model = {}) {
    moe::model::write_checkpoint(path("model.h5"), moe::testing_support::small_checkpoint(model));
    std::ofstream(path("texts.jsonl")) << "{\"id\": \"p1\", \"text\": \"word1 word2\", "
                                          "\"field\": \"cardio\"}\n"
                                          "{\"id\": \"p2\", \"text\": \"word3\", \"field\": "
                                          "\"pulmo\"}\n";
    EmbeddingJobOptions options;
    options.checkpoint = path("model.h5");
    options.input = path("texts.jsonl");
    options.format = moe::data::TextFormat::jsonl;
    options.output = path("out.h5");
    return options;
  }

  moe::testing_support::ScopedTempDir temp_{"moe_embedding_plan_test"};
};

TEST_F(EmbeddingPlanTest, DecidesHowEachTextFindsItsDomain) {
  EmbeddingJobOptions options = request();
  options.domain = "pulmo";
  moe::embed::EmbeddingPlan plan = plan_embedding(options);
  EXPECT_EQ(plan.routing, "given");
  EXPECT_EQ(plan.given_domain, 1);
  EXPECT_EQ(plan.count, 2);
  EXPECT_EQ(plan.max_length, 16);  // the checkpoint's training length

  options.domain.clear();
  options.fields.domain = "field";
  EXPECT_EQ(plan_embedding(options).routing, "field");

  SmallCheckpointOptions routed;
  routed.router = true;
  options = request(routed);
  EXPECT_EQ(plan_embedding(options).routing, "router");

  SmallCheckpointOptions dense;
  dense.experts = false;
  options = request(dense);
  options.max_length = 32;
  plan = plan_embedding(options);
  EXPECT_EQ(plan.routing, "none");
  EXPECT_EQ(plan.max_length, 32);
}

TEST_F(EmbeddingPlanTest, EachBadRequestHasOneClearError) {
  EmbeddingJobOptions options = request();
  EXPECT_MENTIONS(error_of([&] { plan_embedding(options); }),
                  "has a path per domain (experts or domain tokens) but no router: name the "
                  "domain with --domain (one of cardio, pulmo)");
  options.domain = "derma";
  EXPECT_MENTIONS(
      error_of([&] { plan_embedding(options); }),
      "--domain: domain derma is not one of " + path("model.h5") + "'s domains (cardio, pulmo)");

  options = request();
  std::ofstream(path("texts.jsonl"), std::ios::app)
      << "{\"id\": \"p3\", \"text\": \"word4\", \"field\": \"derma\"}\n";
  options.fields.domain = "field";
  EXPECT_MENTIONS(error_of([&] { plan_embedding(options); }),
                  path("texts.jsonl") + ":3: domain derma is not one of");

  options = request();
  options.domain = "cardio";
  options.dtype = "int8";
  EXPECT_MENTIONS(error_of([&] { plan_embedding(options); }), "--dtype int8 is not float32");
  options.dtype = "float16";
  options.max_length = 40;
  EXPECT_MENTIONS(error_of([&] { plan_embedding(options); }), "--max-length 40 is outside 2..32");
  options.max_length = 0;
  options.output = path("missing/out.h5");
  EXPECT_MENTIONS(error_of([&] { plan_embedding(options); }), "does not exist");
  options.output = path("texts.jsonl");
  EXPECT_MENTIONS(error_of([&] { plan_embedding(options); }), "is the input file");
  std::ofstream(path("out.h5")) << "old";
  options.output = path("out.h5");
  EXPECT_MENTIONS(error_of([&] { plan_embedding(options); }),
                  "exists; pass --overwrite to replace it");
  options.overwrite = true;
  EXPECT_EQ(plan_embedding(options).count, 2);
  options.checkpoint = path("nothing.h5");
  EXPECT_MENTIONS(error_of([&] { plan_embedding(options); }), path("nothing.h5"));
}

}  // namespace
