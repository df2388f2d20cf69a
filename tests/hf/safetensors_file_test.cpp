// Checks the safetensors reader and writer: round trips per dtype, the written layout byte by
// byte, decoding of hand-built files with known encodings (independent of the writer), one test
// per header or layout defect, and that writing never leaves a partial or temporary file.
#include "hf/safetensors_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "support/expect_error.h"     // error_of, EXPECT_MENTIONS
#include "support/scoped_temp_dir.h"  // ScopedTempDir

namespace fs = std::filesystem;

namespace {

using moe::hf::parse_tensor_dtype;
using moe::hf::safetensors_dtype_name;
using moe::hf::SafetensorsReader;
using moe::hf::TensorDtype;
using moe::hf::write_safetensors;
using moe::testing_support::error_of;
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// `value` as `width` little-endian bytes.
std::string little_endian(uint64_t value, int width) {
  std::string bytes;
  for (int i = 0; i < width; ++i) bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  return bytes;
}

// A safetensors file as bytes: the header's length, the header, the data section.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return little_endian(header.size(), 8) + header + data;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<float> values_of(const torch::Tensor& tensor) {
  const torch::Tensor flat = tensor.contiguous().view(-1);
  return std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
}

// Every reader error starts with the file's path.
void expect_names_file(const std::string& message, const std::string& path) {
  EXPECT_EQ(message.rfind(path, 0), 0u) << "does not start with " << path << ": " << message;
}

class SafetensorsFileTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return temp_.path(name); }
  std::string write_raw(const std::string& name, const std::string& header,
                        const std::string& data) const {
    return temp_.write_file(name, safetensors_bytes(header, data));
  }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(temp_.dir()))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  // The error of opening `file` (which must fail), checked to start with its path.
  std::string open_error(const std::string& file) const {
    const std::string message = error_of([&] { SafetensorsReader reader(file); });
    expect_names_file(message, file);
    return message;
  }

  moe::testing_support::ScopedTempDir temp_{"moe_safetensors_file_test"};
};

// Values that are not exactly representable in F16 or BF16, with a 0-d scalar and an empty
// tensor, in an order that is not sorted.
NamedTensors sample_tensors() {
  torch::manual_seed(7);
  return {{"z.weight", torch::randn({3, 5}) * 10},
          {"a.bias", torch::randn({5})},
          {"m.scalar", torch::tensor(3.3f)},
          {"e.empty", torch::zeros({0, 4})}};
}

void expect_round_trip(const std::string& file, TensorDtype dtype, torch::ScalarType stored) {
  const NamedTensors tensors = sample_tensors();
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "héllo"}};
  write_safetensors(file, tensors, dtype, metadata);

  const SafetensorsReader reader(file);
  EXPECT_EQ(reader.path(), file);
  EXPECT_EQ(reader.names(),
            (std::vector<std::string>{"a.bias", "e.empty", "m.scalar", "z.weight"}));
  EXPECT_EQ(reader.metadata(), metadata);
  for (const auto& [name, tensor] : tensors) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(reader.contains(name));
    EXPECT_EQ(reader.shape(name), tensor.sizes().vec());
    EXPECT_EQ(reader.dtype(name), safetensors_dtype_name(dtype));
    const torch::Tensor got = reader.read(name);
    EXPECT_EQ(got.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(got.is_contiguous());
    EXPECT_EQ(got.sizes(), tensor.sizes());
    EXPECT_TRUE(torch::equal(got, tensor.to(stored).to(torch::kFloat32)));
  }
  EXPECT_FALSE(reader.contains("absent"));
}

TEST_F(SafetensorsFileTest, Float32RoundTripIsExact) {
  expect_round_trip(path("f32.safetensors"), TensorDtype::float32, torch::kFloat32);
}

TEST_F(SafetensorsFileTest, Float16RoundTripMatchesTorchRounding) {
  expect_round_trip(path("f16.safetensors"), TensorDtype::float16, torch::kFloat16);
}

TEST_F(SafetensorsFileTest, BFloat16RoundTripMatchesTorchRounding) {
  expect_round_trip(path("bf16.safetensors"), TensorDtype::bfloat16, torch::kBFloat16);
}

TEST_F(SafetensorsFileTest, WrittenLayoutIsAlignedOrderedAndBackToBack) {
  const std::string file = path("layout.safetensors");
  const NamedTensors tensors = sample_tensors();
  write_safetensors(file, tensors, TensorDtype::float32, {{"format", "pt"}});

  const std::string bytes = read_all(file);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | uint8_t(bytes[i]);
  EXPECT_EQ((8 + header_size) % 8, 0u);
  ASSERT_LE(8 + header_size, bytes.size());
  const nlohmann::json header = nlohmann::json::parse(bytes.substr(8, header_size));
  EXPECT_EQ(header.at("__metadata__"), nlohmann::json({{"format", "pt"}}));

  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    SCOPED_TRACE(name);
    const nlohmann::json& entry = header.at(name);
    EXPECT_EQ(entry.at("dtype"), "F32");
    EXPECT_EQ(entry.at("shape").get<std::vector<int64_t>>(), tensor.sizes().vec());
    const uint64_t size = tensor.numel() * 4;
    EXPECT_EQ(entry.at("data_offsets"), nlohmann::json::array({offset, offset + size}));
    const std::string expected(static_cast<const char*>(tensor.data_ptr()), size);
    EXPECT_EQ(bytes.substr(8 + header_size + offset, size), expected);
    offset += size;
  }
  EXPECT_EQ(bytes.size(), 8 + header_size + offset);
}

TEST_F(SafetensorsFileTest, WriterConvertsDoubleAndNonContiguousTensors) {
  const std::string file = path("converted.safetensors");
  const torch::Tensor doubles = torch::arange(12, torch::kFloat64).reshape({3, 4}) / 3.0;
  const torch::Tensor transposed = doubles.t();  // not contiguous
  write_safetensors(file, {{"t", transposed}, {"grad", doubles.clone().requires_grad_()}},
                    TensorDtype::float32, {});
  const SafetensorsReader reader(file);
  EXPECT_TRUE(reader.metadata().empty());
  EXPECT_TRUE(torch::equal(reader.read("t"), transposed.to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(reader.read("grad"), doubles.to(torch::kFloat32)));
}

TEST_F(SafetensorsFileTest, BFloat16WriterRoundsTiesToEven) {
  // 1 + 2^-8 lies halfway between BF16 1.0 and 1.0078125; 1 + 3 * 2^-8 halfway between
  // 1.0078125 and 1.015625: ties go to the even mantissa, so down then up.
  const std::string file = path("ties.safetensors");
  write_safetensors(file, {{"x", torch::tensor({1.00390625f, 1.01171875f})}}, TensorDtype::bfloat16,
                    {});
  const std::string bytes = read_all(file);
  EXPECT_EQ(bytes.substr(bytes.size() - 4), little_endian(0x3F80, 2) + little_endian(0x3F82, 2));
}

TEST_F(SafetensorsFileTest, DecodesHandBuiltFloat16) {
  const std::string data = little_endian(0x3C00, 2) + little_endian(0xC000, 2) +
                           little_endian(0x3800, 2) + little_endian(0x7BFF, 2);
  const std::string file =
      write_raw("f16.safetensors",
                R"({"x": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]}})", data);
  const torch::Tensor x = SafetensorsReader(file).read("x");
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(values_of(x), (std::vector<float>{1.0f, -2.0f, 0.5f, 65504.0f}));
}

TEST_F(SafetensorsFileTest, DecodesHandBuiltBFloat16) {
  const std::string data =
      little_endian(0x3F80, 2) + little_endian(0xC000, 2) + little_endian(0x4049, 2);
  const std::string file =
      write_raw("bf16.safetensors",
                R"({"x": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}})", data);
  EXPECT_EQ(values_of(SafetensorsReader(file).read("x")),
            (std::vector<float>{1.0f, -2.0f, 3.140625f}));
}

TEST_F(SafetensorsFileTest, DecodesHandBuiltFloat64Float32ScalarEmptyAndPaddedHeader) {
  // Header padded with spaces, as writers do; tensors listed out of data order.
  const std::string header =
      R"({"__metadata__": {"format": "pt"},)"
      R"( "s": {"dtype": "F32", "shape": [], "data_offsets": [8, 12]},)"
      R"( "d": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]},)"
      R"( "e": {"dtype": "BF16", "shape": [0, 4], "data_offsets": [12, 12]}})"
      "      ";
  const std::string data = little_endian(0x3FB999999999999AULL, 8)  // 0.1
                           + little_endian(0x3FC00000, 4);          // 1.5f
  const std::string file = write_raw("mixed.safetensors", header, data);
  const SafetensorsReader reader(file);
  EXPECT_EQ(reader.names(), (std::vector<std::string>{"d", "e", "s"}));
  EXPECT_EQ(reader.metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
  EXPECT_EQ(values_of(reader.read("d")), std::vector<float>{0.1f});
  const torch::Tensor s = reader.read("s");
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), 1.5f);
  EXPECT_EQ(reader.shape("s"), std::vector<int64_t>{});
  const torch::Tensor e = reader.read("e");
  EXPECT_EQ(e.sizes(), (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(e.scalar_type(), torch::kFloat32);
}

TEST_F(SafetensorsFileTest, IntegerTensorHasShapeAndDtypeButCannotBeRead) {
  const std::string file = write_raw(
      "int.safetensors", R"({"ids": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}})",
      std::string(16, '\1'));
  const SafetensorsReader reader(file);
  EXPECT_EQ(reader.dtype("ids"), "I64");
  EXPECT_EQ(reader.shape("ids"), std::vector<int64_t>{2});
  const std::string message = error_of([&] { reader.read("ids"); });
  expect_names_file(message, file);
  EXPECT_MENTIONS(message, "'ids'");
  EXPECT_MENTIONS(message, "I64");
  EXPECT_MENTIONS(message, "cannot be read as float32");
}

TEST_F(SafetensorsFileTest, Int64TensorReadsAsInt64AndOnlyI64Does) {
  std::string data;
  for (const int64_t v : {int64_t{7}, int64_t{-2}, int64_t{1} << 40}) {
    data.append(reinterpret_cast<const char*>(&v), sizeof v);  // little-endian, as stored
  }
  const std::string file =
      write_raw("ids.safetensors",
                R"({"ids": {"dtype": "I64", "shape": [3], "data_offsets": [0, 24]},)"
                R"( "w": {"dtype": "F32", "shape": [0], "data_offsets": [24, 24]}})",
                data);
  const SafetensorsReader reader(file);
  EXPECT_TRUE(torch::equal(reader.read_int64("ids"),
                           torch::tensor({int64_t{7}, int64_t{-2}, int64_t{1} << 40})));
  const std::string message = error_of([&] { reader.read_int64("w"); });
  expect_names_file(message, file);
  EXPECT_MENTIONS(message, "'w' has dtype F32, not I64");
}

TEST_F(SafetensorsFileTest, AbsentTensorNameIsAnError) {
  const std::string file = path("absent.safetensors");
  write_safetensors(file, {{"present", torch::ones({2})}}, TensorDtype::float32, {});
  const SafetensorsReader reader(file);
  for (const std::string& message :
       {error_of([&] { reader.read("missing"); }), error_of([&] { reader.shape("missing"); }),
        error_of([&] { reader.dtype("missing"); })}) {
    expect_names_file(message, file);
    EXPECT_MENTIONS(message, "no tensor named 'missing'");
  }
}

TEST_F(SafetensorsFileTest, MissingFileIsAnError) {
  EXPECT_MENTIONS(open_error(path("nowhere.safetensors")), "cannot open");
}

TEST_F(SafetensorsFileTest, FileShorterThanTheLengthFieldIsAnError) {
  const std::string message = open_error(temp_.write_file("short.safetensors", "12345"));
  EXPECT_MENTIONS(message, "too short");
  EXPECT_MENTIONS(message, "5 bytes");
}

TEST_F(SafetensorsFileTest, HeaderLengthBeyondTheFileIsAnError) {
  const std::string file =
      temp_.write_file("beyond.safetensors", little_endian(1000, 8) + "{}      ");
  const std::string message = open_error(file);
  EXPECT_MENTIONS(message, "header length 1000 is beyond the end of the file");
  EXPECT_MENTIONS(message, "only 8 bytes");
}

TEST_F(SafetensorsFileTest, AbsurdHeaderLengthIsAnError) {
  const std::string file =
      temp_.write_file("absurd.safetensors", little_endian(uint64_t{1} << 40, 8) + "{}");
  EXPECT_MENTIONS(open_error(file), "header length 1099511627776 is absurd");
}

TEST_F(SafetensorsFileTest, TruncatedFileIsAnError) {
  const std::string file = path("cut.safetensors");
  write_safetensors(file, {{"first", torch::ones({4})}, {"last", torch::ones({3})}},
                    TensorDtype::float32, {});
  const uint64_t size = fs::file_size(file);
  fs::resize_file(file, size - 5);
  const std::string message = open_error(file);
  EXPECT_MENTIONS(message, "truncated: tensor 'last' needs bytes up to 28");
  EXPECT_MENTIONS(message, "the data section has only 23");
}

// A header (and data section of that many zero bytes) the reader must refuse, and what its
// error must say besides the path.
struct BrokenHeaderCase {
  std::string name;
  std::string header;
  size_t data_bytes;
  std::vector<std::string> mentions;
};

// Failures name the case rather than dumping its bytes.
void PrintTo(const BrokenHeaderCase& broken, std::ostream* out) { *out << broken.name; }

class BrokenHeaderTest : public ::testing::TestWithParam<BrokenHeaderCase> {
 protected:
  moe::testing_support::ScopedTempDir temp_{"moe_safetensors_broken_header_test"};
};

TEST_P(BrokenHeaderTest, IsRefusedWithAMessageNamingTheProblem) {
  const BrokenHeaderCase& broken = GetParam();
  const std::string file = temp_.write_file(
      "broken.safetensors", safetensors_bytes(broken.header, std::string(broken.data_bytes, '\0')));
  const std::string message = error_of([&] { SafetensorsReader reader(file); });
  expect_names_file(message, file);
  for (const std::string& text : broken.mentions) EXPECT_MENTIONS(message, text);
}

// `entry` as the header's only tensor "t".
std::string only_tensor(const std::string& entry) { return R"({"t": )" + entry + "}"; }

const BrokenHeaderCase kBrokenHeaders[] = {
    {"BadJson", R"({"t": {"dtype": )", 0, {"header is not valid JSON", "parse error"}},
    {"NulPadding",
     std::string("{}\0\0\0\0\0\0", 8),
     0,
     {"header is not valid JSON: NUL byte at offset 2"}},
    {"NotAnObject", "[1, 2]", 0, {"header must be a JSON object, got array"}},
    {"EntryNotAnObject", only_tensor("3"), 0, {"tensor 't'", "header entry is not an object"}},
    {"MissingDtype",
     only_tensor(R"({"shape": [1], "data_offsets": [0, 4]})"),
     4,
     {"tensor 't'", "lacks \"dtype\""}},
    {"MissingShape",
     only_tensor(R"({"dtype": "F32", "data_offsets": [0, 4]})"),
     4,
     {"tensor 't'", "lacks \"shape\""}},
    {"MissingDataOffsets",
     only_tensor(R"({"dtype": "F32", "shape": [1]})"),
     4,
     {"tensor 't'", "lacks \"data_offsets\""}},
    {"DtypeNotAString",
     only_tensor(R"({"dtype": 32, "shape": [1], "data_offsets": [0, 4]})"),
     4,
     {"tensor 't'", "dtype must be a string, got 32"}},
    {"UnknownDtype",
     only_tensor(R"({"dtype": "F12", "shape": [1], "data_offsets": [0, 4]})"),
     4,
     {"tensor 't'", "unknown dtype 'F12'", "BF16", "F8_E5M2"}},
    {"ShapeNotAList",
     only_tensor(R"({"dtype": "F32", "shape": 1, "data_offsets": [0, 4]})"),
     4,
     {"tensor 't'", "shape must be a list of non-negative integers, got 1"}},
    {"NegativeDim",
     only_tensor(R"({"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]})"),
     0,
     {"tensor 't'", "shape must be a list of non-negative integers, got [-1]"}},
    {"FractionalDim",
     only_tensor(R"({"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]})"),
     4,
     {"tensor 't'", "non-negative integers, got [1.5]"}},
    {"OneOffset",
     only_tensor(R"({"dtype": "F32", "shape": [1], "data_offsets": [4]})"),
     4,
     {"tensor 't'", "data_offsets must be two non-negative integers [begin, end], got [4]"}},
    {"NegativeOffset",
     only_tensor(R"({"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]})"),
     4,
     {"tensor 't'", "data_offsets must be two non-negative integers", "[-4,0]"}},
    {"OffsetsReversed",
     only_tensor(R"({"dtype": "F32", "shape": [1], "data_offsets": [8, 4]})"),
     8,
     {"tensor 't'", "data_offsets [8,4] begin after they end"}},
    {"SizeMismatch",
     only_tensor(R"({"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]})"),
     20,
     {"tensor 't'", "span 20 bytes but shape [2,3] of F32 needs 24 bytes"}},
    {"TensorBeyondData",
     only_tensor(R"({"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})"),
     6,
     {"truncated: tensor 't' needs bytes up to 8 but the data section has only 6"}},
    {"Overlap",
     R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
     R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
     12,
     {"tensors 'a' and 'b' overlap"}},
    {"EmptyTensorInsideAnother",
     R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
     R"( "b": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}})",
     8,
     {"tensors 'a' and 'b' overlap"}},
    {"Hole",
     R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
     R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})",
     12,
     {"hole in the data section: bytes 4 to 8 before tensor 'b'", "forbids holes"}},
    {"UnusedTrailingBytes",
     only_tensor(R"({"dtype": "F32", "shape": [1], "data_offsets": [0, 4]})"),
     8,
     {"the last 4 bytes of the data section belong to no tensor", "forbids unused bytes"}},
    {"MetadataNotAnObject",
     R"({"__metadata__": ["pt"]})",
     0,
     {"\"__metadata__\" must be an object of strings"}},
    {"MetadataValueNotAString",
     R"({"__metadata__": {"format": "pt", "step": 3}})",
     0,
     {"\"__metadata__\" entry 'step' must be a string, got 3"}},
};

INSTANTIATE_TEST_SUITE_P(SafetensorsFile, BrokenHeaderTest, ::testing::ValuesIn(kBrokenHeaders),
                         [](const auto& info) { return info.param.name; });

TEST_F(SafetensorsFileTest, WriteIntoMissingDirectoryFailsAndCreatesNothing) {
  const std::string file = path("no_such_dir/model.safetensors");
  const std::string message = error_of([&] {
    write_safetensors(file, {{"x", torch::ones({2})}}, TensorDtype::float32, {});
  });
  EXPECT_MENTIONS(message, file);
  EXPECT_MENTIONS(message, "cannot create");
  EXPECT_FALSE(fs::exists(file));
  EXPECT_TRUE(files().empty());
}

TEST_F(SafetensorsFileTest, SuccessfulWriteLeavesNoTemporary) {
  write_safetensors(path("model.safetensors"), sample_tensors(), TensorDtype::float16, {});
  EXPECT_EQ(files(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(SafetensorsFileTest, FailedRenameRemovesTheTemporary) {
  // A non-empty directory under the final name: everything is written, only the rename fails.
  const std::string file = path("taken.safetensors");
  fs::create_directories(fs::path(file) / "inside");
  const std::string message = error_of([&] {
    write_safetensors(file, {{"x", torch::ones({2})}}, TensorDtype::float32, {});
  });
  EXPECT_MENTIONS(message, file);
  EXPECT_MENTIONS(message, "cannot rename");
  EXPECT_EQ(files(), std::vector<std::string>{"taken.safetensors"});
  EXPECT_TRUE(fs::is_directory(file));
}

TEST_F(SafetensorsFileTest, WriterRefusesUnfitTensorsBeforeCreatingAnything) {
  const std::string file = path("unfit.safetensors");
  const auto write = [&](const NamedTensors& tensors) {
    return error_of([&] { write_safetensors(file, tensors, TensorDtype::float32, {}); });
  };
  const std::string integer = write({{"ids", torch::arange(3)}});
  EXPECT_MENTIONS(integer, file);
  EXPECT_MENTIONS(integer, "tensor 'ids' has dtype Long");
  const std::string twice = write({{"x", torch::ones({1})}, {"x", torch::ones({1})}});
  EXPECT_MENTIONS(twice, "tensor 'x' is given twice");
  const std::string reserved = write({{"__metadata__", torch::ones({1})}});
  EXPECT_MENTIONS(reserved, "cannot be named \"__metadata__\"");
  EXPECT_TRUE(files().empty());
}

TEST_F(SafetensorsFileTest, RewriteReplacesTheOldFile) {
  const std::string file = path("model.safetensors");
  write_safetensors(file, {{"old", torch::ones({8})}}, TensorDtype::float32, {});
  write_safetensors(file, {{"new", torch::full({2}, 2.0f)}}, TensorDtype::float32, {});
  const SafetensorsReader reader(file);
  EXPECT_EQ(reader.names(), std::vector<std::string>{"new"});
  EXPECT_EQ(values_of(reader.read("new")), (std::vector<float>{2.0f, 2.0f}));
}

TEST(TensorDtypeTest, ParsesEveryAliasAndNamesTheStoredDtype) {
  for (const char* name : {"f32", "float32", "F32"})
    EXPECT_EQ(parse_tensor_dtype(name), TensorDtype::float32) << name;
  for (const char* name : {"f16", "float16", "F16"})
    EXPECT_EQ(parse_tensor_dtype(name), TensorDtype::float16) << name;
  for (const char* name : {"bf16", "bfloat16", "BF16"})
    EXPECT_EQ(parse_tensor_dtype(name), TensorDtype::bfloat16) << name;
  EXPECT_STREQ(safetensors_dtype_name(TensorDtype::float32), "F32");
  EXPECT_STREQ(safetensors_dtype_name(TensorDtype::float16), "F16");
  EXPECT_STREQ(safetensors_dtype_name(TensorDtype::bfloat16), "BF16");
}

TEST(TensorDtypeTest, UnknownNameListsTheChoices) {
  const std::string message = error_of([] { parse_tensor_dtype("fp8"); });
  EXPECT_MENTIONS(message, "unknown tensor dtype 'fp8'");
  EXPECT_MENTIONS(message, "f32/float32/F32");
  EXPECT_MENTIONS(message, "f16/float16/F16");
  EXPECT_MENTIONS(message, "bf16/bfloat16/BF16");
}

}  // namespace
