// HDF5 file access with RAII handles and errors that name the file, object and operation.
#include "common/hdf5_file.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <type_traits>

#include "common/error.h"
#include "common/hdf5_detail.h"

namespace moe::h5 {
using detail::chunk_dims;
using detail::display;
using detail::kDefaultChunkBytes;
using detail::kMaxChunkBytes;
using detail::location;
using detail::normalize;
using detail::Where;

namespace {

// ---- HDF5's error stack -> text ----------------------------------------------------------

herr_t collect_description(unsigned /*n*/, const H5E_error2_t* entry, void* data) {
  auto* lines = static_cast<std::vector<std::string>*>(data);
  if (entry->desc != nullptr && entry->desc[0] != '\0') {
    std::string line = entry->desc;
    std::replace(line.begin(), line.end(), '\n', ' ');  // some carry a ctime() stamp
    if (std::find(lines->begin(), lines->end(), line) == lines->end()) lines->push_back(line);
  }
  return 0;
}

// ---- Types ---------------------------------------------------------------------------------

template <typename T>
struct TypeOf;
template <>
struct TypeOf<float> {
  static hid_t memory() { return H5T_NATIVE_FLOAT; }
  static hid_t stored() { return H5T_IEEE_F32LE; }
  static constexpr const char* name = "float32";
};
template <>
struct TypeOf<double> {
  static hid_t memory() { return H5T_NATIVE_DOUBLE; }
  static hid_t stored() { return H5T_IEEE_F64LE; }
  static constexpr const char* name = "float64";
};
template <>
struct TypeOf<int32_t> {
  static hid_t memory() { return H5T_NATIVE_INT32; }
  static hid_t stored() { return H5T_STD_I32LE; }
  static constexpr const char* name = "int32";
};
template <>
struct TypeOf<int64_t> {
  static hid_t memory() { return H5T_NATIVE_INT64; }
  static hid_t stored() { return H5T_STD_I64LE; }
  static constexpr const char* name = "int64";
};
template <>
struct TypeOf<uint8_t> {
  static hid_t memory() { return H5T_NATIVE_UINT8; }
  static hid_t stored() { return H5T_STD_U8LE; }
  static constexpr const char* name = "uint8";
};
template <>
struct TypeOf<int8_t> {
  static hid_t memory() { return H5T_NATIVE_INT8; }
  static hid_t stored() { return H5T_STD_I8LE; }
  static constexpr const char* name = "int8";
};

// A short name for a stored type, for error messages ("int64", "float32", "string", ...).
std::string describe_type(hid_t type) {
  size_t bits = H5Tget_size(type) * 8;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return cat(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int", bits);
    case H5T_FLOAT:
      return cat("float", bits);
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    case H5T_ARRAY:
      return "array";
    default:
      return "another type";
  }
}

template <typename T>
bool stored_type_matches(hid_t type) {
  H5T_class_t type_class = H5Tget_class(type);
  if (H5Tget_size(type) != sizeof(T)) return false;
  if constexpr (std::is_floating_point_v<T>) {
    return type_class == H5T_FLOAT;
  } else {
    if (type_class != H5T_INTEGER) return false;
    bool stored_signed = H5Tget_sign(type) != H5T_SGN_NONE;
    return stored_signed == std::is_signed_v<T>;
  }
}

void collect_datasets(const std::string& file, hid_t group, const std::string& prefix,
                      std::vector<std::string>& out) {
  Where where(file, prefix.empty() ? "/" : prefix);
  H5G_info_t info;
  where.check(H5Gget_info(group, &info), "list group");
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t length =
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (length < 0) where.fail("list group");
    std::string name(static_cast<size_t>(length) + 1, '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                       H5P_DEFAULT);
    name.resize(static_cast<size_t>(length));
    // Dangling soft links and unreachable external links are skipped, not errors.
    Handle object(H5Oopen(group, name.c_str(), H5P_DEFAULT), H5Oclose);
    if (!object.valid()) {
      H5Eclear2(H5E_DEFAULT);
      continue;
    }
    std::string full = prefix.empty() ? name : prefix + "/" + name;
    H5I_type_t type = H5Iget_type(object.get());
    if (type == H5I_DATASET) out.push_back(full);
    if (type == H5I_GROUP) collect_datasets(file, object.get(), full, out);
  }
}

}  // namespace

void silence_hdf5_errors() {
  thread_local bool silenced = false;
  if (!silenced) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    silenced = true;
  }
}

std::string take_hdf5_error_message() {
  std::vector<std::string> lines;
  // Downward: from the API call to the innermost function, which says most precisely what
  // went wrong; the outer lines add the context ("can't read data", "filter failed").
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_description, &lines);
  H5Eclear2(H5E_DEFAULT);
  std::string message;
  for (const std::string& line : lines) message += (message.empty() ? "" : "; ") + line;
  return message;
}

// ---- Opening and closing -------------------------------------------------------------------

namespace {

Handle file_access_properties(const std::string& path) {
  Where where(path, path);
  Handle fapl = where.own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create access properties for");
#if H5_VERSION_GE(1, 10, 7)
  // Parallel file systems (Lustre, NFS) often refuse flock(); reading and writing still work,
  // so do not fail the open over a lock the file system cannot give.
  where.check(H5Pset_file_locking(fapl.get(), true, true), "set file locking for");
#endif
  return fapl;
}

}  // namespace

File File::create(const std::string& path) {
  silence_hdf5_errors();
  std::error_code error;
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  MOE_REQUIRE(folder.empty() || std::filesystem::is_directory(folder, error), "HDF5 file ", path,
              ": cannot create it, folder ", folder.string(), " does not exist");
  Handle fapl = file_access_properties(path);
  // The 1.10 file format checksums every piece of metadata (superblock, object headers,
  // chunk indexes), so a flipped byte there fails the open or read with a checksum error
  // instead of reaching HDF5's parsers, which are not safe on corrupt metadata (fuzzing found
  // a heap overflow in 1.10.8, docs/RELIABILITY.md). Readable by HDF5 1.10 and newer.
  Where(path, path)
      .check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_V110),
             "set the file format version of");
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (id < 0) {
    std::string detail = take_hdf5_error_message();
    throw Error(cat("HDF5 file ", path, ": cannot create it for writing (HDF5: ", detail, ")"));
  }
  return File(path, Handle(id, H5Fclose));
}

File File::open_read(const std::string& path) {
  silence_hdf5_errors();
  std::error_code error;
  MOE_REQUIRE(std::filesystem::exists(path, error), "HDF5 file ", path, ": no such file");
  MOE_REQUIRE(!std::filesystem::is_directory(path, error), "HDF5 file ", path,
              ": is a directory, expected a file");
  Handle fapl = file_access_properties(path);
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (id < 0) {
    std::string detail = take_hdf5_error_message();
    throw Error(cat("HDF5 file ", path,
                    ": cannot open it (not an HDF5 file, or truncated or corrupt; HDF5: ", detail,
                    ")"));
  }
  return File(path, Handle(id, H5Fclose));
}

hid_t File::id() const {
  silence_hdf5_errors();  // this thread may not be the one that opened the file
  MOE_REQUIRE(file_.valid(), "HDF5 file ", path_, ": used after close()");
  return file_.get();
}

void File::flush() { Where(path_, "/").check(H5Fflush(id(), H5F_SCOPE_LOCAL), "flush"); }

void File::close() {
  if (!file_.valid()) return;
  hid_t id = file_.release();
  Where(path_, "/").check(H5Fclose(id), "close");
}

namespace detail {

Handle link_creation_properties(const Where& where) {
  Handle props = where.own(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "create link properties for");
  where.check(H5Pset_create_intermediate_group(props.get(), 1), "set up groups for");
  return props;
}

Handle dataset_creation_properties(const Where& where, const std::vector<int64_t>& shape,
                                   int64_t element_bytes, const File::WriteOptions& options) {
  int64_t elements = 1;
  for (int64_t extent : shape) elements *= extent;
  Handle create_props =
      where.own(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create dataset properties for");
  bool chunked = options.chunked || options.fletcher32 || options.deflate_level > 0;
  if (chunked && elements > 0 && !shape.empty()) {
    int64_t budget = options.chunk_elements > 0
                         ? options.chunk_elements
                         : std::max<int64_t>(1, kDefaultChunkBytes / element_bytes);
    budget = std::min<int64_t>(budget, kMaxChunkBytes / element_bytes);
    std::vector<hsize_t> chunk = chunk_dims(shape, budget);
    where.check(H5Pset_chunk(create_props.get(), static_cast<int>(chunk.size()), chunk.data()),
                "set chunking for");
    if (options.deflate_level > 0) {
      if (options.deflate_level > 9) {
        where.invalid(cat("deflate level ", options.deflate_level, " is not in 0..9"));
      }
      if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) {
        where.invalid("cannot be compressed: this HDF5 library has no deflate filter");
      }
      where.check(H5Pset_deflate(create_props.get(), static_cast<unsigned>(options.deflate_level)),
                  "set compression for");
    }
    // Last in the pipeline, so the checksum covers the bytes as stored on disk.
    if (options.fletcher32) {
      where.check(H5Pset_fletcher32(create_props.get()), "set checksums for");
    }
  }
  return create_props;
}

}  // namespace detail

// ---- Datasets ------------------------------------------------------------------------------

template <typename T>
void File::write(const std::string& dataset, const std::vector<int64_t>& shape, const T* data,
                 WriteOptions options) {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  if (name.empty()) where.invalid("is the root group, not a dataset name");
  int64_t elements = 1;
  for (int64_t extent : shape) {
    if (extent < 0) where.invalid(cat("cannot have a negative extent (", extent, ")"));
    elements *= extent;
  }
  if (elements > 0 && data == nullptr) where.invalid("was given no data to write");
  if (exists(name)) where.invalid("already exists; datasets are written once");

  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space =
      shape.empty()
          ? where.own(H5Screate(H5S_SCALAR), H5Sclose, "create dataspace for")
          : where.own(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                      H5Sclose, "create dataspace for");
  Handle link_props = detail::link_creation_properties(where);
  Handle create_props =
      detail::dataset_creation_properties(where, shape, int64_t{sizeof(T)}, options);

  Handle handle = where.own(H5Dcreate2(id(), name.c_str(), TypeOf<T>::stored(), space.get(),
                                       link_props.get(), create_props.get(), H5P_DEFAULT),
                            H5Dclose, "create dataset");
  if (elements > 0) {
    where.check(H5Dwrite(handle.get(), TypeOf<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                "write dataset");
  }
}

namespace {

// Opens a dataset and checks that its stored type is T.
template <typename T>
Handle open_typed_dataset(hid_t file, const Where& where, const std::string& name, bool exists) {
  if (!exists) where.invalid("is not a dataset in this file (missing)");
  Handle dataset = where.own(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "open dataset");
  Handle type = where.own(H5Dget_type(dataset.get()), H5Tclose, "read the type of dataset");
  if (!stored_type_matches<T>(type.get())) {
    where.invalid(cat("holds ", describe_type(type.get()), " values, expected ", TypeOf<T>::name));
  }
  return dataset;
}

}  // namespace

template <typename T>
std::vector<T> File::read(const std::string& dataset) const {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  Handle handle = open_typed_dataset<T>(id(), where, name, !name.empty() && exists(name));
  Handle space = where.own(H5Dget_space(handle.get()), H5Sclose, "read the shape of dataset");
  hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (points < 0) where.fail("read the shape of dataset");
  std::vector<T> values(static_cast<size_t>(points));
  if (points > 0) {
    where.check(
        H5Dread(handle.get(), TypeOf<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
        "read dataset");
  }
  return values;
}

template <typename T>
std::vector<T> File::read_range(const std::string& dataset, int64_t offset, int64_t count) const {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  Handle handle = open_typed_dataset<T>(id(), where, name, !name.empty() && exists(name));
  Handle space = where.own(H5Dget_space(handle.get()), H5Sclose, "read the shape of dataset");
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) where.fail("read the shape of dataset");
  if (rank != 1) where.invalid(cat("has ", rank, " dimensions; a range read needs exactly 1"));
  hsize_t extent = 0;
  H5Sget_simple_extent_dims(space.get(), &extent, nullptr);
  if (offset < 0 || count < 0 ||
      static_cast<hsize_t>(offset) + static_cast<hsize_t>(count) > extent) {
    where.invalid(cat("has ", extent, " elements; cannot read ", count, " from offset ", offset));
  }
  std::vector<T> values(static_cast<size_t>(count));
  if (count == 0) return values;
  hsize_t start = static_cast<hsize_t>(offset);
  hsize_t size = static_cast<hsize_t>(count);
  where.check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &size, nullptr),
              "select a range of dataset");
  Handle memory = where.own(H5Screate_simple(1, &size, nullptr), H5Sclose, "read a range of");
  where.check(H5Dread(handle.get(), TypeOf<T>::memory(), memory.get(), space.get(), H5P_DEFAULT,
                      values.data()),
              "read dataset");
  return values;
}

std::vector<int64_t> File::shape(const std::string& dataset) const {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  if (name.empty() || !exists(name)) where.invalid("is not a dataset in this file (missing)");
  Handle handle = where.own(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose, "open dataset");
  Handle space = where.own(H5Dget_space(handle.get()), H5Sclose, "read the shape of dataset");
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) where.fail("read the shape of dataset");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return std::vector<int64_t>(dims.begin(), dims.end());
}

std::string File::type_name(const std::string& dataset) const {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  if (name.empty() || !exists(name)) where.invalid("is not a dataset in this file (missing)");
  Handle handle = where.own(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose, "open dataset");
  Handle type = where.own(H5Dget_type(handle.get()), H5Tclose, "read the type of dataset");
  return describe_type(type.get());
}

bool File::exists(const std::string& path) const {
  const std::string name = normalize(path);
  hid_t file = id();
  if (name.empty()) return true;
  // H5Lexists needs every parent to exist, so test the path one component at a time.
  size_t end = 0;
  while (end != std::string::npos) {
    end = name.find('/', end + 1);
    std::string prefix = name.substr(0, end);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
  }
  htri_t resolves = H5Oexists_by_name(file, name.c_str(), H5P_DEFAULT);  // dangling links
  if (resolves < 0) H5Eclear2(H5E_DEFAULT);
  return resolves > 0;
}

std::vector<std::string> File::list_datasets(const std::string& group) const {
  const std::string name = normalize(group);
  Where where(path_, display(name));
  if (!exists(name)) where.invalid("is not a group in this file (missing)");
  Handle handle = where.own(H5Oopen(id(), location(name).c_str(), H5P_DEFAULT), H5Oclose, "open");
  if (H5Iget_type(handle.get()) != H5I_GROUP) where.invalid("is not a group");
  std::vector<std::string> names;
  collect_datasets(path_, handle.get(), "", names);
  std::sort(names.begin(), names.end());
  return names;
}

// ---- Attributes ----------------------------------------------------------------------------

namespace {

Handle open_object(hid_t file, const Where& where, const std::string& name, bool exists) {
  if (!exists) where.invalid("is not a group or dataset in this file (missing)");
  return where.own(H5Oopen(file, location(name).c_str(), H5P_DEFAULT), H5Oclose, "open");
}

// Creates attribute `name` on `object`, replacing an existing one, and writes one value.
void write_scalar_attribute(const Where& where, hid_t object, const std::string& name,
                            hid_t stored_type, hid_t memory_type, const void* value) {
  htri_t present = H5Aexists(object, name.c_str());
  if (present < 0) where.fail("look up attribute '" + name + "' on");
  if (present > 0)
    where.check(H5Adelete(object, name.c_str()), "replace attribute '" + name + "' on");
  Handle space = where.own(H5Screate(H5S_SCALAR), H5Sclose, "create attribute space for");
  Handle attribute = where.own(
      H5Acreate2(object, name.c_str(), stored_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose, "create attribute '" + name + "' on");
  where.check(H5Awrite(attribute.get(), memory_type, value), "write attribute '" + name + "' on");
}

// Opens attribute `name` of `object`, checks it holds one value, returns it and its type.
std::pair<Handle, Handle> open_scalar_attribute(const Where& where, hid_t object,
                                                const std::string& name) {
  htri_t present = H5Aexists(object, name.c_str());
  if (present < 0) where.fail("look up attribute '" + name + "' on");
  if (present == 0) where.invalid(cat("has no attribute '", name, "'"));
  Handle attribute = where.own(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose,
                               "open attribute '" + name + "' on");
  Handle space = where.own(H5Aget_space(attribute.get()), H5Sclose,
                           "read the shape of attribute '" + name + "' on");
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    where.invalid(cat("attribute '", name, "' is not a single value"));
  }
  Handle type = where.own(H5Aget_type(attribute.get()), H5Tclose,
                          "read the type of attribute '" + name + "' on");
  return {std::move(attribute), std::move(type)};
}

}  // namespace

void File::set_attribute(const std::string& object, const std::string& name,
                         const std::string& value) {
  const std::string target = normalize(object);
  Where where(path_, display(target));
  Handle handle = open_object(id(), where, target, exists(target));
  Handle type = where.own(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type for");
  where.check(H5Tset_size(type.get(), value.size() + 1), "create a string type for");
  where.check(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), "create a string type for");
  where.check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "create a string type for");
  write_scalar_attribute(where, handle.get(), name, type.get(), type.get(), value.c_str());
}

void File::set_attribute(const std::string& object, const std::string& name, int64_t value) {
  const std::string target = normalize(object);
  Where where(path_, display(target));
  Handle handle = open_object(id(), where, target, exists(target));
  write_scalar_attribute(where, handle.get(), name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

void File::set_attribute(const std::string& object, const std::string& name, double value) {
  const std::string target = normalize(object);
  Where where(path_, display(target));
  Handle handle = open_object(id(), where, target, exists(target));
  write_scalar_attribute(where, handle.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

std::string File::string_attribute(const std::string& object, const std::string& name) const {
  const std::string target = normalize(object);
  Where where(path_, display(target));
  Handle handle = open_object(id(), where, target, exists(target));
  auto [attribute, type] = open_scalar_attribute(where, handle.get(), name);
  if (H5Tget_class(type.get()) != H5T_STRING) {
    where.invalid(
        cat("attribute '", name, "' holds ", describe_type(type.get()), ", expected a string"));
  }
  const std::string operation = "read attribute '" + name + "' on";
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle memory = where.own(H5Tcopy(H5T_C_S1), H5Tclose, operation);
    where.check(H5Tset_size(memory.get(), H5T_VARIABLE), operation);
    where.check(H5Tset_cset(memory.get(), H5Tget_cset(type.get())), operation);
    char* text = nullptr;
    where.check(H5Aread(attribute.get(), memory.get(), &text), operation);
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  size_t size = H5Tget_size(type.get());
  std::vector<char> buffer(size + 1, '\0');
  where.check(H5Aread(attribute.get(), type.get(), buffer.data()), operation);
  std::string value(buffer.data(), strnlen(buffer.data(), size));
  if (H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD) {
    value.erase(value.find_last_not_of(' ') + 1);
  }
  return value;
}

int64_t File::int_attribute(const std::string& object, const std::string& name) const {
  const std::string target = normalize(object);
  Where where(path_, display(target));
  Handle handle = open_object(id(), where, target, exists(target));
  auto [attribute, type] = open_scalar_attribute(where, handle.get(), name);
  if (H5Tget_class(type.get()) != H5T_INTEGER) {
    where.invalid(
        cat("attribute '", name, "' holds ", describe_type(type.get()), ", expected an integer"));
  }
  int64_t value = 0;
  where.check(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value),
              "read attribute '" + name + "' on");
  return value;
}

double File::float_attribute(const std::string& object, const std::string& name) const {
  const std::string target = normalize(object);
  Where where(path_, display(target));
  Handle handle = open_object(id(), where, target, exists(target));
  auto [attribute, type] = open_scalar_attribute(where, handle.get(), name);
  if (H5Tget_class(type.get()) != H5T_FLOAT) {
    where.invalid(cat("attribute '", name, "' holds ", describe_type(type.get()),
                      ", expected a floating-point number"));
  }
  double value = 0;
  where.check(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value),
              "read attribute '" + name + "' on");
  return value;
}

bool File::has_attribute(const std::string& object, const std::string& name) const {
  const std::string target = normalize(object);
  Where where(path_, display(target));
  Handle handle = open_object(id(), where, target, exists(target));
  htri_t present = H5Aexists(handle.get(), name.c_str());
  if (present < 0) where.fail("look up attribute '" + name + "' on");
  return present > 0;
}

// ---- Explicit instantiations ---------------------------------------------------------------

#define MOE_H5_INSTANTIATE(T)                                                             \
  template void File::write<T>(const std::string&, const std::vector<int64_t>&, const T*, \
                               WriteOptions);                                             \
  template std::vector<T> File::read<T>(const std::string&) const;                        \
  template std::vector<T> File::read_range<T>(const std::string&, int64_t, int64_t) const;

MOE_H5_INSTANTIATE(float)
MOE_H5_INSTANTIATE(double)
MOE_H5_INSTANTIATE(int32_t)
MOE_H5_INSTANTIATE(int64_t)
MOE_H5_INSTANTIATE(uint8_t)
MOE_H5_INSTANTIATE(int8_t)

#undef MOE_H5_INSTANTIATE

}  // namespace moe::h5
