// A small RAII layer over the HDF5 C API: one File class that reads and writes typed
// datasets and scalar attributes by '/'-separated path, and turns every HDF5 failure into a
// moe::Error naming the file, the object and the operation (plus HDF5's own message).
// Shards (data layer) and checkpoints (model layer) are written through it.
#pragma once

#include <hdf5.h>  // hid_t, herr_t, H5*close used by Handle

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace moe::h5 {

// Owns one HDF5 identifier and closes it with the matching H5?close function. Move-only.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) {
    other.id_ = H5I_INVALID_HID;
  }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.id_;
      close_ = other.close_;
      other.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Gives up ownership without closing.
  hid_t release() {
    hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }
  // Closes now; errors while closing are ignored (destructors must not throw).
  void reset() {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

// Turns HDF5's automatic error printing off for the calling thread (HDF5 keeps that setting
// per thread in thread-safe builds). Every File call does so; other code using the raw
// API can call it too.
void silence_hdf5_errors();

// HDF5's messages for the most recent failure on this thread ("" when none); clears them.
std::string take_hdf5_error_message();

// One open HDF5 file. Datasets and groups are addressed by '/'-separated paths relative to
// the root (a leading '/' is optional); names may contain dots.
// How File::write stores a dataset. Outside File because a nested class's member
// initializers cannot serve as a default argument inside the enclosing class (clang).
struct WriteOptions {
  bool chunked = false;        // implied by fletcher32 or deflate_level > 0
  int64_t chunk_elements = 0;  // elements per chunk; 0: about 1 MiB, capped by the shape
  bool fletcher32 = false;     // checksum each chunk; corruption fails the read
  int deflate_level = 0;       // 0: no compression, 1..9: gzip level
};

class File {
 public:
  using WriteOptions = h5::WriteOptions;

  // Creates (or truncates) a file for writing.
  static File create(const std::string& path);
  // Opens an existing file read-only; a missing, truncated or non-HDF5 file is a moe::Error
  // naming the path.
  static File open_read(const std::string& path);

  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  ~File() = default;

  const std::string& path() const { return path_; }

  // Creates a new dataset (missing intermediate groups are created). An empty shape writes
  // a scalar. T is one of float, double, int32_t, int64_t, uint8_t, int8_t. A dataset with
  // zero elements is stored contiguous (HDF5 cannot chunk it) and so has no checksum.
  template <typename T>
  void write(const std::string& dataset, const std::vector<int64_t>& shape, const T* data,
             WriteOptions options = {});
  template <typename T>
  void write(const std::string& dataset, const std::vector<T>& values, WriteOptions options = {}) {
    write<T>(dataset, {static_cast<int64_t>(values.size())}, values.data(), options);
  }

  // Whole dataset in row-major order; the stored type must match T (class, size, sign).
  template <typename T>
  std::vector<T> read(const std::string& dataset) const;
  // Elements [offset, offset + count) of a 1-D dataset; only those are read from disk.
  template <typename T>
  std::vector<T> read_range(const std::string& dataset, int64_t offset, int64_t count) const;

  // ---- Datasets written in pieces (hdf5_rows.cpp): embeddings and their ids ----
  enum class Element {
    float32,
    float16,  // IEEE half, stored as NumPy and h5py store float16
    string,   // variable-length UTF-8 (h5py: str, or bytes before .asstr())
  };
  // Creates a dataset of a fixed shape (at least one dimension) to be filled row by row:
  // rows are the first dimension. Chunked as options say (chunk_elements counts elements).
  void create_dataset(const std::string& dataset, Element element,
                      const std::vector<int64_t>& shape, const WriteOptions& options);
  void create_dataset(const std::string& dataset, Element element,
                      const std::vector<int64_t>& shape) {
    create_dataset(dataset, element, shape, WriteOptions());
  }
  // Rows [first_row, first_row + rows) of a float32 (from float) or float16 (from IEEE half
  // bit patterns, as at::Half holds them) dataset made by create_dataset.
  void write_rows(const std::string& dataset, int64_t first_row, int64_t rows, const float* data);
  void write_rows(const std::string& dataset, int64_t first_row, int64_t rows,
                  const uint16_t* half_bits);
  // values.size() rows of a 1-D string dataset from first_row on.
  void write_string_rows(const std::string& dataset, int64_t first_row,
                         const std::vector<std::string>& values);
  // Every element of a float dataset (16, 32 or 64 bits), converted to float32.
  std::vector<float> read_as_float(const std::string& dataset) const;
  // Rows [first_row, first_row + rows) of a float dataset (any rank >= 1; a row is every
  // element below the first index), converted to float32; only those rows are read.
  std::vector<float> read_rows_as_float(const std::string& dataset, int64_t first_row,
                                        int64_t rows) const;
  // Every element of a string dataset (variable or fixed length).
  std::vector<std::string> read_strings(const std::string& dataset) const;

  std::vector<int64_t> shape(const std::string& dataset) const;
  // The stored element type: "float32", "float64", "int64", "uint8", "string", ...
  std::string type_name(const std::string& dataset) const;
  // True for an existing group or dataset ("/" is the root and always exists).
  bool exists(const std::string& path) const;
  // Every dataset below group (recursively), as paths relative to group, sorted.
  std::vector<std::string> list_datasets(const std::string& group = "/") const;

  // Scalar attributes on a group or dataset (object "/" is the root). Setting replaces any
  // attribute of that name. Strings are stored as fixed-length, null-terminated ASCII/UTF-8.
  void set_attribute(const std::string& object, const std::string& name, const std::string& value);
  void set_attribute(const std::string& object, const std::string& name, const char* value) {
    set_attribute(object, name, std::string(value));
  }
  void set_attribute(const std::string& object, const std::string& name, int64_t value);
  void set_attribute(const std::string& object, const std::string& name, double value);
  // Missing attributes or a stored type of the wrong kind are a moe::Error naming file,
  // object and attribute. string_attribute also reads variable-length strings (h5py).
  std::string string_attribute(const std::string& object, const std::string& name) const;
  int64_t int_attribute(const std::string& object, const std::string& name) const;
  double float_attribute(const std::string& object, const std::string& name) const;
  bool has_attribute(const std::string& object, const std::string& name) const;

  // Pushes buffered data to disk (the file stays open).
  void flush();
  // Closes the file now (before a rename, say); the object is unusable afterwards.
  void close();

 private:
  File(std::string path, Handle file) : path_(std::move(path)), file_(std::move(file)) {}
  hid_t id() const;

  std::string path_;
  Handle file_;
};

}  // namespace moe::h5
