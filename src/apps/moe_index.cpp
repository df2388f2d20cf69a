// moe_index: from a trained checkpoint to a searchable index of a corpus, and search.
//   moe_index build CHECKPOINT.h5 CORPUS --out INDEX [--domain NAME] [--kind exact|hnsw|ivf]
//   moe_index build --embeddings FILE.h5 --out INDEX        (vectors moe_embed already wrote)
//   moe_index search INDEX --query TEXT | --queries FILE | --query-embeddings FILE.h5 [-k 10]
//   moe_index info INDEX
// build embeds under mpirun like moe_embed (every rank a share), then rank 0 builds the FAISS
// parts; search and info run as one process. Layout and workflow: docs/SEARCH.md.
#include <torch/torch.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "common/error.h"
#include "common/number_format.h"
#include "common/openmp_wait_policy.h"
#include "data/text_records.h"
#include "dist/device_choice.h"
#include "dist/mpi_communicator.h"
#include "dist/mpi_environment.h"
#include "embed/embedding_file.h"
#include "embed/embedding_job.h"
#include "index/index_build.h"
#include "index/index_search.h"
#include "index/search_output.h"
#include "index/staging_folder.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr int kUsageError = 2;
constexpr const char* kCommands =
    "usage: moe_index COMMAND [options]\n"
    "commands:\n"
    "  build   embed a corpus with a checkpoint (or take moe_embed's vectors) and index it\n"
    "  search  the nearest documents of query texts or vectors, as text or JSON lines\n"
    "  info    what an index holds: model, kind, parts, measured recall\n"
    "'moe_index COMMAND --help' lists a command's options; docs/SEARCH.md has the workflow.\n";
constexpr const char* kUsage =
    "usage: moe_index build CHECKPOINT.h5 CORPUS --out INDEX [--domain NAME] [--kind K]\n"
    "       moe_index build --embeddings FILE.h5 --out INDEX [--kind K]\n"
    "       moe_index search INDEX (--query TEXT | --queries FILE | --query-embeddings FILE.h5)"
    " [-k 10]\n"
    "       moe_index info INDEX\n"
    "       mpirun -np P moe_index build ...   (every rank embeds a share; rank 0 indexes)\n";

po::variables_map parse(int argc, char** argv, const po::options_description& visible,
                        const std::string& positional_name) {
  po::options_description all;
  all.add(visible).add_options()(positional_name.c_str(), po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add(positional_name.c_str(), -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  po::notify(vm);
  return vm;
}

std::vector<std::string> positionals(const po::variables_map& vm) {
  return vm.count("inputs") ? vm["inputs"].as<std::vector<std::string>>()
                            : std::vector<std::string>{};
}

void add_text_options(po::options_description& options) {
  options.add_options()("format", po::value<std::string>()->default_value("auto"),
                        "text file format: auto (from the extension), jsonl, csv, tsv or lines")(
      "text-field", po::value<std::string>()->default_value("text"), "column or key of the text")(
      "id-field", po::value<std::string>(),
      "column or key of the id (default: \"id\" when present, else the 0-based position)")(
      "batch-size", po::value<int64_t>()->default_value(64), "texts per forward pass")(
      "threads", po::value<int>()->default_value(0),
      "CPU threads per rank (0: the node's cores split between its ranks)");
}

moe::data::TextFields text_fields(const po::variables_map& vm) {
  moe::data::TextFields fields;
  fields.text = vm["text-field"].as<std::string>();
  if (vm.count("id-field")) {
    fields.id = vm["id-field"].as<std::string>();
    fields.id_required = true;
  }
  return fields;
}

moe::data::TextFormat text_format(const po::variables_map& vm, const std::string& path) {
  const std::string format = vm["format"].as<std::string>();
  return format == "auto" ? moe::data::text_format_of_path(path)
                          : moe::data::parse_text_format(format);
}

// ---- build ----

struct BuildCommand {
  std::string embeddings;  // --embeddings: skip the embedding step
  moe::embed::EmbeddingJobOptions job;
  moe::index::IndexBuildOptions index;
  std::string out;
  bool overwrite = false;
  bool keep_embeddings = false;
  int64_t snippet_bytes = 200;
  std::string device = "auto";
  int threads = 0;
};

po::options_description build_options() {
  po::options_description options("moe_index build options");
  options.add_options()("help,h", "show this help")("out,o", po::value<std::string>(),
                                                    "index folder to write")(
      "embeddings", po::value<std::string>(),
      "index this embedding file (moe_embed's output) instead of embedding a corpus")(
      "domain", po::value<std::string>(),
      "embed every text as this domain; without it and --domain-field the router picks")(
      "domain-field", po::value<std::string>(), "column or key naming each text's domain")(
      "metadata-field", po::value<std::vector<std::string>>()->composing(),
      "a corpus column or key to keep with each document and print with its hits (repeat "
      "for several)")("kind", po::value<std::string>()->default_value("exact"),
                      "exact (brute force), hnsw (graph) or ivf (inverted lists)")(
      "hnsw-neighbors", po::value<int64_t>()->default_value(32), "hnsw: links per vector (M)")(
      "hnsw-build-depth", po::value<int64_t>()->default_value(200),
      "hnsw: candidates while linking (efConstruction)")(
      "search-depth", po::value<int64_t>()->default_value(128),
      "hnsw: candidates while searching (efSearch); a search can change it")(
      "ivf-lists", po::value<int64_t>()->default_value(0), "ivf: lists (0: about sqrt(count))")(
      "ivf-probes", po::value<int64_t>()->default_value(0),
      "ivf: lists searched per query (0: lists/16, at least 16)")(
      "target-recall", po::value<double>()->default_value(0.95),
      "hnsw, ivf: double the search depth until recall@10 against exact search, measured on "
      "a sample of the corpus, reaches this (0: keep --search-depth / --ivf-probes)")(
      "chunk-rows", po::value<int64_t>()->default_value(65536),
      "vectors read and added at a time (bounds memory)")(
      "snippet-chars", po::value<int64_t>()->default_value(200),
      "bytes of each text kept for search output (0: none)")(
      "keep-embeddings", "keep the embedding file in the index folder (embeddings.h5)")(
      "texts-per-round", po::value<int64_t>()->default_value(2048),
      "texts each rank embeds between two writes")(
      "max-length", po::value<int>()->default_value(0),
      "tokens per text (0: the longest the checkpoint was trained on)")(
      "overwrite", "replace an existing index folder")("no-progress", "no progress bars")(
      "device", po::value<std::string>()->default_value("auto"), "auto, cpu or cuda");
  add_text_options(options);
  return options;
}

BuildCommand parse_build(const po::variables_map& vm) {
  BuildCommand command;
  const std::vector<std::string> inputs = positionals(vm);
  MOE_REQUIRE(vm.count("out"), "--out INDEX is required");
  command.out = vm["out"].as<std::string>();
  command.overwrite = vm.count("overwrite") > 0;
  command.keep_embeddings = vm.count("keep-embeddings") > 0;
  command.snippet_bytes = vm["snippet-chars"].as<int64_t>();
  MOE_REQUIRE(command.snippet_bytes >= 0, "--snippet-chars must not be negative");
  command.device = vm["device"].as<std::string>();
  command.threads = vm["threads"].as<int>();
  MOE_REQUIRE(command.threads >= 0, "--threads must not be negative");
  moe::index::IndexBuildOptions& index = command.index;
  index.kind = moe::index::parse_index_kind(vm["kind"].as<std::string>());
  index.parameters.hnsw_neighbors = vm["hnsw-neighbors"].as<int64_t>();
  index.parameters.hnsw_build_depth = vm["hnsw-build-depth"].as<int64_t>();
  index.parameters.hnsw_search_depth = vm["search-depth"].as<int64_t>();
  index.parameters.ivf_lists = vm["ivf-lists"].as<int64_t>();
  index.parameters.ivf_probes = vm["ivf-probes"].as<int64_t>();
  moe::index::resolved(index.parameters, 1);  // range checks now, before any work
  index.target_recall = vm["target-recall"].as<double>();
  MOE_REQUIRE(index.target_recall >= 0 && index.target_recall <= 1,
              "--target-recall must be in 0..1, got ", index.target_recall);
  index.chunk_rows = vm["chunk-rows"].as<int64_t>();
  MOE_REQUIRE(index.chunk_rows > 0, "--chunk-rows must be positive");
  index.progress = vm.count("no-progress") == 0;
  if (vm.count("embeddings")) {
    MOE_REQUIRE(inputs.empty(), "--embeddings replaces CHECKPOINT and CORPUS; got ", inputs.size(),
                " positional argument(s) as well");
    MOE_REQUIRE(!vm.count("domain") && !vm.count("domain-field") && !vm.count("metadata-field"),
                "--domain, --domain-field and --metadata-field apply when embedding a corpus; an "
                "embedding file already says each text's domain path and holds no metadata");
    command.embeddings = vm["embeddings"].as<std::string>();
    return command;
  }
  MOE_REQUIRE(inputs.size() == 2, "need CHECKPOINT.h5 and CORPUS (or --embeddings FILE.h5), got ",
              inputs.size(), " positional argument(s)");
  moe::embed::EmbeddingJobOptions& job = command.job;
  // Absolute, so that search finds the model from any folder (index.json records it).
  job.checkpoint = fs::absolute(inputs[0]).lexically_normal().string();
  job.input = inputs[1];
  job.format = text_format(vm, job.input);
  job.fields = text_fields(vm);
  if (vm.count("domain-field")) job.fields.domain = vm["domain-field"].as<std::string>();
  if (vm.count("domain")) job.domain = vm["domain"].as<std::string>();
  if (vm.count("metadata-field"))
    job.fields.metadata = vm["metadata-field"].as<std::vector<std::string>>();
  job.normalize = true;
  job.batch_size = vm["batch-size"].as<int64_t>();
  job.max_length = vm["max-length"].as<int>();
  job.chunk_texts = vm["texts-per-round"].as<int64_t>();
  job.progress = index.progress;
  index.source = job.input;
  return command;
}

// Snippets and metadata fields of every corpus record, for records.h5.
moe::index::CorpusExtras corpus_extras(const moe::embed::EmbeddingJobOptions& job,
                                       int64_t snippet_bytes) {
  moe::index::CorpusExtras extras;
  extras.metadata_names = job.fields.metadata;
  extras.metadata.resize(extras.metadata_names.size());
  if (snippet_bytes == 0 && extras.metadata_names.empty()) return extras;
  moe::data::TextRecordReader reader(job.input, job.format, job.fields);
  moe::data::TextRecord record;
  while (reader.next(record)) {
    if (snippet_bytes > 0)
      extras.snippets.push_back(moe::index::make_snippet(record.text, snippet_bytes));
    for (size_t m = 0; m < record.metadata.size(); ++m)
      extras.metadata[m].push_back(std::move(record.metadata[m]));
  }
  return extras;
}

std::string describe(const moe::index::IndexManifest& manifest, const std::string& folder) {
  std::ostringstream text;
  text << "index " << folder << ": " << manifest.count << " vectors, " << manifest.dimension
       << " dimensions, " << moe::index::index_kind_name(manifest.kind) << ", routing "
       << manifest.routing << "\n  model " << manifest.model.checkpoint << " (step "
       << manifest.model.step << ", fingerprint "
       << (manifest.model.fingerprint.empty() ? "unknown" : manifest.model.fingerprint) << ")\n";
  for (const moe::index::IndexPart& part : manifest.parts) {
    text << "  part " << part.name << ": " << part.count << " vectors (" << part.file << ")";
    if (part.recall_at_10 >= 0) {
      text << ", recall@10 vs exact " << moe::fixed(part.recall_at_10, 3) << " at "
           << (manifest.kind == moe::index::IndexKind::ivf ? "probes " : "efSearch ")
           << part.search_depth;
    }
    text << "\n";
  }
  return text.str();
}

int run_build(int argc, char** argv) {
  moe::dist::MpiEnvironment mpi(&argc, &argv);
  const bool root = mpi.rank() == 0;
  const po::options_description options = build_options();
  BuildCommand command;
  moe::embed::EmbeddingPlan plan;
  torch::Device device = torch::kCPU;
  std::unique_ptr<moe::index::StagingFolder> staging;
  bool help = false;

  // Phase 1: every check before any work; the lowest failing rank reports, all exit 2.
  std::string failure;
  try {
    const po::variables_map vm = parse(argc - 1, argv + 1, options, "inputs");
    help = vm.count("help") > 0;
    if (!help) {
      command = parse_build(vm);
      if (root)
        staging = std::make_unique<moe::index::StagingFolder>(command.out, command.overwrite);
    }
  } catch (const po::error& e) {
    failure = std::string(e.what()) + " (see moe_index build --help)";
  } catch (const std::exception& e) {
    failure = e.what();
  }
  int reporter = mpi.first_rank_where(!failure.empty());
  if (reporter < 0 && !help && command.embeddings.empty()) {
    try {  // the staging folder exists now (created by rank 0 before the collective above)
      moe::index::check_index_output(command.out, command.overwrite);
      command.job.output =
          (fs::path(moe::index::staging_path(command.out)) / "embeddings.h5").string();
      device = moe::dist::choose_device(command.device, mpi.local_rank());
      plan = moe::embed::plan_embedding(command.job);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    reporter = mpi.first_rank_where(!failure.empty());
  }
  if (reporter >= 0) {
    if (mpi.rank() == reporter) std::fprintf(stderr, "moe_index: error: %s\n", failure.c_str());
    return kUsageError;
  }
  if (help) {
    if (root) std::cout << kUsage << "\n" << options;
    return 0;
  }

  // Phase 2: embed (all ranks), then index (rank 0). A failure anywhere ends every rank.
  try {
    torch::set_num_threads(mpi.threads_per_rank(command.threads));
    std::string embeddings = command.embeddings;
    if (embeddings.empty()) {
      plan.options.progress = plan.options.progress && root;
      auto world = moe::dist::MpiCommunicator::world();
      moe::embed::run_embedding(plan, *world, device);
      embeddings = plan.options.output;
    }
    if (!root) return 0;
    const moe::index::CorpusExtras extras = command.embeddings.empty()
                                                ? corpus_extras(command.job, command.snippet_bytes)
                                                : moe::index::CorpusExtras{};
    const moe::index::IndexManifest manifest =
        moe::index::build_index(embeddings, staging->path(), command.index, extras);
    if (command.embeddings.empty() && !command.keep_embeddings) fs::remove(embeddings);
    staging->commit();
    std::cout << describe(manifest, command.out) << std::flush;
  } catch (const std::exception& e) {
    staging.reset();  // removes the partial folder before the job ends
    moe::dist::abort_job(moe::cat("moe_index: error: ", e.what()));
  }
  return 0;
}

// ---- search ----

po::options_description search_options() {
  po::options_description options("moe_index search options");
  options.add_options()("help,h", "show this help")("query,q", po::value<std::string>(),
                                                    "one query text")(
      "queries", po::value<std::string>(), "a file of query texts (same formats as a corpus)")(
      "query-embeddings", po::value<std::string>(),
      "query vectors from moe_embed (same model as the index)")(
      ",k", po::value<int64_t>()->default_value(10), "hits per query")(
      "domain", po::value<std::string>(),
      "search this domain's part (queries embedded as that domain); default: the index's only "
      "part, or the router's choice")(
      "domain-field", po::value<std::string>(),
      "with --queries: the column or key naming each query's domain (and part)")(
      "output", po::value<std::string>()->default_value("text"),
      "text or jsonl (one JSON object per query)")(
      "checkpoint", po::value<std::string>(),
      "the model's checkpoint, when it moved since the build (must be the same model)")(
      "search-depth", po::value<int64_t>()->default_value(0),
      "hnsw efSearch / ivf probes (0: as built); more is slower and closer to exact");
  add_text_options(options);
  return options;
}

void emit(const moe::index::QueryAnswer& answer, bool json) {
  std::cout << (json ? moe::index::render_json_line(answer) : moe::index::render_text(answer));
}

// Searches `vectors` (rows of queries) part by part and prints the answers in query order.
void answer_queries(moe::index::IndexSearcher& searcher, const torch::Tensor& vectors,
                    const std::vector<std::string>& parts, const std::vector<bool>& routed,
                    const std::vector<std::string>& ids, const std::vector<std::string>& texts,
                    int64_t k, bool json) {
  std::vector<moe::index::QueryAnswer> answers(ids.size());
  std::map<std::string, std::vector<int64_t>> by_part;
  for (size_t q = 0; q < parts.size(); ++q) by_part[parts[q]].push_back(static_cast<int64_t>(q));
  for (const auto& [part, rows] : by_part) {
    const bool present = moe::index::find_part(searcher.manifest(), part) != nullptr;
    std::vector<std::vector<moe::index::SearchHit>> hits;
    if (present) {
      hits = searcher.search(part, vectors.index_select(0, torch::tensor(rows)).contiguous(), k);
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      auto& answer = answers[static_cast<size_t>(rows[i])];
      if (present) answer.hits = std::move(hits[i]);
    }
  }
  for (size_t q = 0; q < answers.size(); ++q) {
    answers[q].query_id = ids[q];
    answers[q].query = texts.empty() ? "" : texts[q];
    answers[q].part = parts[q];
    answers[q].routed = routed[q];
    emit(answers[q], json);
  }
  std::cout << std::flush;
}

// Queries embedded in groups of one domain each (a query file's --domain-field), then put
// back in file order.
moe::index::EncodedQueries encode_by_domain(moe::index::QueryEncoder& encoder,
                                            const std::vector<std::string>& texts,
                                            const std::vector<std::string>& domains) {
  std::map<std::string, std::vector<int64_t>> by_domain;
  for (size_t q = 0; q < texts.size(); ++q)
    by_domain[domains[q]].push_back(static_cast<int64_t>(q));
  if (by_domain.size() == 1) return encoder.encode(texts, domains.front());
  moe::index::EncodedQueries result;
  result.parts.resize(texts.size());
  result.routed.resize(texts.size());
  for (const auto& [name, rows] : by_domain) {
    std::vector<std::string> group;
    for (const int64_t q : rows) group.push_back(texts[static_cast<size_t>(q)]);
    const moe::index::EncodedQueries encoded = encoder.encode(group, name);
    if (!result.vectors.defined())
      result.vectors = torch::empty({static_cast<int64_t>(texts.size()), encoded.vectors.size(1)});
    result.vectors.index_copy_(0, torch::tensor(rows, torch::kInt64), encoded.vectors);
    for (size_t i = 0; i < rows.size(); ++i) {
      result.parts[static_cast<size_t>(rows[i])] = encoded.parts[i];
      result.routed[static_cast<size_t>(rows[i])] = encoded.routed[i];
    }
  }
  return result;
}

int run_search(int argc, char** argv) {
  const po::options_description options = search_options();
  const po::variables_map vm = parse(argc - 1, argv + 1, options, "inputs");
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << options;
    return 0;
  }
  const std::vector<std::string> inputs = positionals(vm);
  MOE_REQUIRE(inputs.size() == 1, "need one INDEX folder, got ", inputs.size(),
              " positional argument(s)");
  const int sources =
      static_cast<int>(vm.count("query") + vm.count("queries") + vm.count("query-embeddings"));
  MOE_REQUIRE(sources == 1, "give exactly one of --query, --queries and --query-embeddings");
  const int64_t k = vm["-k"].as<int64_t>();
  MOE_REQUIRE(k >= 1, "-k must be at least 1, got ", k);
  const std::string output = vm["output"].as<std::string>();
  MOE_REQUIRE(output == "text" || output == "jsonl", "--output ", output, " is not text or jsonl");
  const bool json = output == "jsonl";
  const std::string domain = vm.count("domain") ? vm["domain"].as<std::string>() : "";
  if (vm["threads"].as<int>() > 0) torch::set_num_threads(vm["threads"].as<int>());

  moe::index::IndexSearcher searcher(inputs[0]);
  searcher.set_search_depth(vm["search-depth"].as<int64_t>());
  const moe::index::IndexManifest& manifest = searcher.manifest();

  if (vm.count("query-embeddings")) {
    const std::string path = vm["query-embeddings"].as<std::string>();
    const moe::embed::EmbeddingFile file = moe::embed::read_embedding_file(path);
    moe::index::check_query_embeddings(manifest, path, file.info.model_fingerprint,
                                       file.info.dimension);
    std::vector<std::string> parts;
    const std::string fixed =
        file.domains.empty() ? moe::index::fixed_part(manifest, domain, false) : "";
    for (size_t q = 0; q < file.ids.size(); ++q) {
      parts.push_back(domain.empty() && !file.domains.empty()
                          ? file.info.domain_names.at(static_cast<size_t>(file.domains[q]))
                          : (domain.empty() ? fixed : domain));
    }
    answer_queries(searcher, file.embeddings, parts, std::vector<bool>(parts.size(), false),
                   file.ids, {}, k, json);
    return 0;
  }

  moe::index::QueryEncoder encoder(manifest,
                                   vm.count("checkpoint") ? vm["checkpoint"].as<std::string>() : "",
                                   vm["batch-size"].as<int64_t>());
  if (vm.count("query")) {
    const std::vector<std::string> texts = {vm["query"].as<std::string>()};
    const moe::index::EncodedQueries encoded = encoder.encode(texts, domain);
    answer_queries(searcher, encoded.vectors, encoded.parts, encoded.routed, {"0"}, texts, k, json);
    return 0;
  }
  const std::string path = vm["queries"].as<std::string>();
  moe::data::TextFields fields = text_fields(vm);
  if (vm.count("domain-field")) {
    MOE_REQUIRE(domain.empty(), "--domain and --domain-field exclude each other");
    fields.domain = vm["domain-field"].as<std::string>();
  }
  moe::data::TextRecordReader reader(path, text_format(vm, path), fields);
  moe::data::TextRecord record;
  constexpr size_t kQueriesPerRound = 1024;  // bounds memory for large query files
  bool more = true;
  while (more) {
    std::vector<std::string> ids, texts, domains;
    while (texts.size() < kQueriesPerRound && (more = reader.next(record))) {
      ids.push_back(record.id);
      texts.push_back(record.text);
      domains.push_back(fields.domain.empty() ? domain : record.domain);
    }
    if (texts.empty()) break;
    const moe::index::EncodedQueries encoded = encode_by_domain(encoder, texts, domains);
    answer_queries(searcher, encoded.vectors, encoded.parts, encoded.routed, ids, texts, k, json);
  }
  return 0;
}

int run_info(int argc, char** argv) {
  if (argc == 3 && (std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h")) {
    std::cout << "usage: moe_index info INDEX\n\nOptions:\n  -h [ --help ]   show this help\n";
    return 0;
  }
  MOE_REQUIRE(argc == 3 && std::string(argv[2]).rfind('-', 0) != 0, "usage: moe_index info INDEX");
  const moe::index::IndexSearcher searcher(argv[2]);
  std::cout << describe(searcher.manifest(), argv[2]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  moe::use_passive_openmp_wait(argv);  // before any thread starts (openmp_wait_policy.h)
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "build") return run_build(argc, argv);
  if (command == "-h" || command == "--help" || command.empty()) {
    (command.empty() ? std::cerr : std::cout) << kCommands;
    return command.empty() ? kUsageError : 0;
  }
  try {
    if (command == "search") return run_search(argc, argv);
    if (command == "info") return run_info(argc, argv);
    std::fprintf(stderr, "moe_index: unknown command '%s'\n%s", command.c_str(), kCommands);
  } catch (const po::error& e) {
    std::fprintf(stderr, "moe_index: error: %s (see moe_index %s --help)\n", e.what(),
                 command.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moe_index: error: %s\n", e.what());
  }
  return kUsageError;
}
