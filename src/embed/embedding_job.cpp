// Implementation of plan_embedding and run_embedding (see embedding_job.h).
#include "embed/embedding_job.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include "common/error.h"
#include "common/progress_bar.h"
#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"
#include "embed/embedding_file.h"
#include "embed/text_embedder.h"
#include "model/model_fingerprint.h"
#include "model/parameter_loading.h"

namespace moe::embed {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

bool has_domain_paths(const model::EncoderLayout& layout) {
  return layout.mixture_of_experts() || layout.domain_tokens;
}

// The id a named domain runs as; `where` prefixes the error ("--domain", "FILE:LINE").
int32_t resolve_domain(const EmbeddingPlan& plan, const std::string& name,
                       const std::string& where) {
  const std::vector<std::string>& domains = plan.checkpoint.layout.domains;
  const auto it = std::find(domains.begin(), domains.end(), name);
  if (it == domains.end()) {
    MOE_REQUIRE(domains.empty() && !has_domain_paths(plan.checkpoint.layout), where, ": domain ",
                name, " is not one of ", plan.options.checkpoint, "'s domains (", joined(domains),
                ")");
    return 0;  // a model that knows no domains runs every text the same way
  }
  return static_cast<int32_t>(it - domains.begin());
}

void check_output(const EmbeddingJobOptions& options) {
  namespace fs = std::filesystem;
  std::error_code error;
  MOE_REQUIRE(!options.output.empty(), "--out: name the embedding file to write");
  MOE_REQUIRE(fs::absolute(options.output, error) != fs::absolute(options.input, error), "--out ",
              options.output, " is the input file");
  MOE_REQUIRE(options.overwrite || !fs::exists(options.output, error), "--out ", options.output,
              " exists; pass --overwrite to replace it");
  MOE_REQUIRE(!fs::is_directory(options.output, error), "--out ", options.output,
              " is a directory; name a file");
  const fs::path folder = fs::path(options.output).parent_path();
  MOE_REQUIRE(folder.empty() || fs::is_directory(folder, error), "--out ", options.output,
              ": folder ", folder.string(), " does not exist");
}

}  // namespace

EmbeddingPlan plan_embedding(const EmbeddingJobOptions& options) {
  MOE_REQUIRE(options.dtype == "float32" || options.dtype == "float16", "--dtype ", options.dtype,
              " is not float32 or float16");
  MOE_REQUIRE(options.batch_size > 0, "--batch-size must be positive, got ", options.batch_size);
  MOE_REQUIRE(options.chunk_texts > 0, "texts per round must be positive");
  MOE_REQUIRE(options.domain.empty() || options.fields.domain.empty(),
              "--domain and --domain-field exclude each other");
  check_output(options);

  EmbeddingPlan plan;
  plan.options = options;
  plan.checkpoint = model::read_checkpoint(options.checkpoint);
  plan.model_fingerprint = model::model_fingerprint(plan.checkpoint);
  const model::CheckpointContents& checkpoint = plan.checkpoint;
  const int64_t positions = checkpoint.config.max_position_embeddings;
  plan.max_length =
      options.max_length > 0
          ? options.max_length
          : static_cast<int>(checkpoint.max_length > 0 ? checkpoint.max_length : positions);
  MOE_REQUIRE(plan.max_length >= 2 && plan.max_length <= positions, "--max-length ",
              plan.max_length, " is outside 2..", positions, " (the positions of ",
              options.checkpoint, ")");

  const model::EncoderLayout& layout = checkpoint.layout;
  if (!options.domain.empty()) {
    plan.routing = "given";
    plan.given_domain = resolve_domain(plan, options.domain, "--domain");
  } else if (!options.fields.domain.empty()) {
    plan.routing = "field";
  } else if (has_domain_paths(layout)) {
    MOE_REQUIRE(layout.router, options.checkpoint,
                " has a path per domain (experts or domain tokens) but no router: name the "
                "domain with --domain (one of ",
                joined(layout.domains), ") or per text with --domain-field");
    plan.routing = "router";
  } else {
    plan.routing = "none";
  }

  // Every record is read once here, so bad input fails before any embedding is computed.
  data::TextRecordReader reader(options.input, options.format, options.fields);
  data::TextRecord record;
  while (reader.next(record)) {
    if (plan.routing == "field") {
      resolve_domain(plan, record.domain, options.input + ":" + std::to_string(record.line));
    }
    ++plan.count;
  }
  return plan;
}

EmbeddingSummary run_embedding(const EmbeddingPlan& plan, dist::Communicator& world,
                               const torch::Device& device) {
  const auto start = std::chrono::steady_clock::now();
  const EmbeddingJobOptions& options = plan.options;
  const model::CheckpointContents& checkpoint = plan.checkpoint;
  const bool root = world.rank() == 0;
  const bool paths = has_domain_paths(checkpoint.layout);

  model::BertEncoder encoder = model::encoder_from_checkpoint(checkpoint, options.checkpoint);
  encoder->to(device);
  data::TokenizerOptions tokenizer_options;
  tokenizer_options.lowercase = checkpoint.lowercase;
  TextEmbedderOptions embedder_options;
  embedder_options.batch_size = options.batch_size;
  embedder_options.max_length = plan.max_length;
  embedder_options.normalize = options.normalize;
  TextEmbedder embedder(
      encoder,
      data::WordPieceTokenizer(data::Vocabulary::from_tokens(checkpoint.vocab_tokens),
                               tokenizer_options),
      embedder_options);

  EmbeddingSummary summary;
  summary.count = plan.count;
  summary.dimension = embedder.dimension();
  if (paths) summary.texts_per_domain.assign(checkpoint.layout.domains.size(), 0);

  std::unique_ptr<EmbeddingFileWriter> writer;
  std::unique_ptr<ProgressBar> progress;
  if (root) {
    EmbeddingFileInfo info;
    info.count = plan.count;
    info.dimension = embedder.dimension();
    info.dtype = options.dtype;
    info.normalized = options.normalize || checkpoint.layout.normalize;
    info.routing = plan.routing;
    if (paths) info.domain_names = checkpoint.layout.domains;
    info.max_length = plan.max_length;
    info.checkpoint = options.checkpoint;
    info.checkpoint_step = checkpoint.step;
    info.vocab_hash = checkpoint.vocab_hash;
    info.model_fingerprint = plan.model_fingerprint;
    info.pooling = checkpoint.layout.pooling;
    info.input = options.input;
    info.input_format = data::text_format_name(options.format);
    writer = std::make_unique<EmbeddingFileWriter>(options.output, info);
    if (options.progress) progress = std::make_unique<ProgressBar>("embedding", plan.count);
  }

  // Round r covers records [r*P*C, (r+1)*P*C); rank p embeds the p-th run of C of them. Every
  // rank reads every record (parsing is cheap next to the encoder) so no text is sent around.
  const int64_t per_round = options.chunk_texts * world.size();
  const int64_t slice_begin = options.chunk_texts * world.rank();
  data::TextRecordReader reader(options.input, options.format, options.fields);
  data::TextRecord record;
  for (int64_t first = 0; first < plan.count; first += per_round) {
    const int64_t round_size = std::min(per_round, plan.count - first);
    std::vector<std::string> texts, ids;
    std::vector<int32_t> domains;
    for (int64_t k = 0; k < round_size; ++k) {
      MOE_REQUIRE(reader.next(record), options.input, " ended after ", first + k,
                  " records; it had ", plan.count, " when it was checked (changed meanwhile?)");
      if (root) ids.push_back(record.id);
      if (k < slice_begin || k >= slice_begin + options.chunk_texts) continue;
      texts.push_back(std::move(record.text));
      domains.push_back(plan.routing == "given"    ? plan.given_domain
                        : plan.routing == "field"  ? resolve_domain(plan, record.domain, "")
                        : plan.routing == "router" ? kRouted
                                                   : 0);
    }
    EmbeddedTexts local = embedder.embed(texts, domains);
    summary.truncated += local.truncated;
    const torch::Tensor embeddings = world.gather_rows(local.embeddings, 0);
    const torch::Tensor used = world.gather_rows(local.domains, 0);
    if (root) {
      writer->write(first, embeddings, used, ids);
      if (paths) {
        const auto counts =
            torch::bincount(used, {}, static_cast<int64_t>(checkpoint.layout.domains.size()));
        for (size_t d = 0; d < summary.texts_per_domain.size(); ++d)
          summary.texts_per_domain[d] += counts[static_cast<int64_t>(d)].item<int64_t>();
      }
      if (progress) progress->advance(round_size);
    }
  }
  torch::Tensor truncated = torch::tensor({summary.truncated}, torch::kInt64);
  world.all_reduce_sum(truncated);
  summary.truncated = truncated.item<int64_t>();
  if (root) {
    if (progress) progress->finish();
    writer->commit();
  }
  world.barrier();  // the file is complete before any rank reports success
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace moe::embed
