// File's datasets written in pieces: fixed-shape float32, float16 and string datasets filled
// row range by row range (embedding files are larger than one batch), and their readers.
#include <cstring>

#include "common/hdf5_detail.h"
#include "common/hdf5_file.h"

namespace moe::h5 {
using detail::display;
using detail::normalize;
using detail::Where;

namespace {

// IEEE 754 binary16, built the way h5py builds the type it stores NumPy's float16 as.
Handle half_type(const Where& where) {
  Handle type = where.own(H5Tcopy(H5T_IEEE_F32LE), H5Tclose, "make a float16 type for");
  where.check(H5Tset_fields(type.get(), 15, 10, 5, 0, 10), "make a float16 type for");
  where.check(H5Tset_size(type.get(), 2), "make a float16 type for");
  where.check(H5Tset_ebias(type.get(), 15), "make a float16 type for");
  return type;
}

Handle variable_string_type(const Where& where) {
  Handle type = where.own(H5Tcopy(H5T_C_S1), H5Tclose, "make a string type for");
  where.check(H5Tset_size(type.get(), H5T_VARIABLE), "make a string type for");
  where.check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "make a string type for");
  return type;
}

Handle stored_type(const Where& where, File::Element element) {
  switch (element) {
    case File::Element::float32:
      return where.own(H5Tcopy(H5T_IEEE_F32LE), H5Tclose, "make a float32 type for");
    case File::Element::float16:
      return half_type(where);
    case File::Element::string:
      return variable_string_type(where);
  }
  where.invalid("was given an unknown element type");
}

int64_t element_bytes(File::Element element) {
  switch (element) {
    case File::Element::float32:
      return 4;
    case File::Element::float16:
      return 2;
    case File::Element::string:
      return static_cast<int64_t>(sizeof(char*));
  }
  return 1;
}

// An open dataset with its file space selected to rows [first_row, first_row + rows), and
// the memory space those rows occupy.
struct RowSelection {
  Handle dataset, file_space, memory_space;
};

RowSelection select_rows(hid_t file, const Where& where, const std::string& name, bool exists,
                         int64_t first_row, int64_t rows) {
  if (!exists) where.invalid("is not a dataset in this file (missing)");
  RowSelection selection;
  selection.dataset =
      where.own(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "open dataset");
  selection.file_space =
      where.own(H5Dget_space(selection.dataset.get()), H5Sclose, "read the shape of dataset");
  const int rank = H5Sget_simple_extent_ndims(selection.file_space.get());
  if (rank < 1) where.invalid("is a scalar; rows need at least one dimension");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(selection.file_space.get(), dims.data(), nullptr);
  if (first_row < 0 || rows < 0 || static_cast<hsize_t>(first_row + rows) > dims[0]) {
    where.invalid(
        cat("has ", dims[0], " rows; there are no rows [", first_row, ", ", first_row + rows, ")"));
  }
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = static_cast<hsize_t>(first_row);
  count[0] = static_cast<hsize_t>(rows);
  where.check(H5Sselect_hyperslab(selection.file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                  count.data(), nullptr),
              "select rows of dataset");
  selection.memory_space =
      where.own(H5Screate_simple(rank, count.data(), nullptr), H5Sclose, "make a memory space for");
  return selection;
}

// Checks that the dataset's stored type is a float of `bits` bits.
void require_float_bits(const Where& where, hid_t dataset, size_t bits) {
  Handle type = where.own(H5Dget_type(dataset), H5Tclose, "read the type of dataset");
  if (H5Tget_class(type.get()) != H5T_FLOAT || H5Tget_size(type.get()) * 8 != bits) {
    where.invalid(cat("does not hold float", bits, " values"));
  }
}

}  // namespace

void File::create_dataset(const std::string& dataset, Element element,
                          const std::vector<int64_t>& shape, const WriteOptions& options) {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  if (name.empty()) where.invalid("is the root group, not a dataset name");
  if (shape.empty()) where.invalid("needs at least one dimension to be written in rows");
  for (int64_t extent : shape) {
    if (extent < 0) where.invalid(cat("cannot have a negative extent (", extent, ")"));
  }
  if (exists(name)) where.invalid("already exists; datasets are written once");
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space = where.own(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                           H5Sclose, "create dataspace for");
  Handle type = stored_type(where, element);
  Handle link_props = detail::link_creation_properties(where);
  Handle create_props =
      detail::dataset_creation_properties(where, shape, element_bytes(element), options);
  where.own(H5Dcreate2(id(), name.c_str(), type.get(), space.get(), link_props.get(),
                       create_props.get(), H5P_DEFAULT),
            H5Dclose, "create dataset");
}

void File::write_rows(const std::string& dataset, int64_t first_row, int64_t rows,
                      const float* data) {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  RowSelection selection =
      select_rows(id(), where, name, !name.empty() && exists(name), first_row, rows);
  require_float_bits(where, selection.dataset.get(), 32);
  if (rows == 0) return;
  where.check(H5Dwrite(selection.dataset.get(), H5T_NATIVE_FLOAT, selection.memory_space.get(),
                       selection.file_space.get(), H5P_DEFAULT, data),
              "write rows of dataset");
}

void File::write_rows(const std::string& dataset, int64_t first_row, int64_t rows,
                      const uint16_t* half_bits) {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  RowSelection selection =
      select_rows(id(), where, name, !name.empty() && exists(name), first_row, rows);
  require_float_bits(where, selection.dataset.get(), 16);
  if (rows == 0) return;
  // Memory holds the stored bit patterns: no conversion, so values round as the caller did.
  Handle memory_type = half_type(where);
  where.check(H5Dwrite(selection.dataset.get(), memory_type.get(), selection.memory_space.get(),
                       selection.file_space.get(), H5P_DEFAULT, half_bits),
              "write rows of dataset");
}

void File::write_string_rows(const std::string& dataset, int64_t first_row,
                             const std::vector<std::string>& values) {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  const auto rows = static_cast<int64_t>(values.size());
  RowSelection selection =
      select_rows(id(), where, name, !name.empty() && exists(name), first_row, rows);
  Handle type = where.own(H5Dget_type(selection.dataset.get()), H5Tclose, "read the type of");
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) <= 0) {
    where.invalid("does not hold variable-length strings");
  }
  if (rows == 0) return;
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const std::string& value : values) pointers.push_back(value.c_str());
  Handle memory_type = variable_string_type(where);
  where.check(H5Dwrite(selection.dataset.get(), memory_type.get(), selection.memory_space.get(),
                       selection.file_space.get(), H5P_DEFAULT, pointers.data()),
              "write rows of dataset");
}

std::vector<float> File::read_as_float(const std::string& dataset) const {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  if (name.empty() || !exists(name)) where.invalid("is not a dataset in this file (missing)");
  Handle handle = where.own(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose, "open dataset");
  Handle type = where.own(H5Dget_type(handle.get()), H5Tclose, "read the type of dataset");
  if (H5Tget_class(type.get()) != H5T_FLOAT) {
    where.invalid(cat("holds ", type_name(name), " values, expected floating point"));
  }
  Handle space = where.own(H5Dget_space(handle.get()), H5Sclose, "read the shape of dataset");
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (points < 0) where.fail("read the shape of dataset");
  std::vector<float> values(static_cast<size_t>(points));
  if (points > 0) {
    where.check(
        H5Dread(handle.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
        "read dataset");
  }
  return values;
}

std::vector<float> File::read_rows_as_float(const std::string& dataset, int64_t first_row,
                                            int64_t rows) const {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  RowSelection selection =
      select_rows(id(), where, name, !name.empty() && exists(name), first_row, rows);
  Handle type = where.own(H5Dget_type(selection.dataset.get()), H5Tclose, "read the type of");
  if (H5Tget_class(type.get()) != H5T_FLOAT) {
    where.invalid(cat("holds ", type_name(name), " values, expected floating point"));
  }
  const hssize_t points = H5Sget_select_npoints(selection.file_space.get());
  if (points < 0) where.fail("count the selected rows of dataset");
  std::vector<float> values(static_cast<size_t>(points));
  if (points > 0) {
    where.check(H5Dread(selection.dataset.get(), H5T_NATIVE_FLOAT, selection.memory_space.get(),
                        selection.file_space.get(), H5P_DEFAULT, values.data()),
                "read rows of dataset");
  }
  return values;
}

std::vector<std::string> File::read_strings(const std::string& dataset) const {
  const std::string name = normalize(dataset);
  Where where(path_, display(name));
  if (name.empty() || !exists(name)) where.invalid("is not a dataset in this file (missing)");
  Handle handle = where.own(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose, "open dataset");
  Handle type = where.own(H5Dget_type(handle.get()), H5Tclose, "read the type of dataset");
  if (H5Tget_class(type.get()) != H5T_STRING) {
    where.invalid(cat("holds ", type_name(name), " values, expected strings"));
  }
  Handle space = where.own(H5Dget_space(handle.get()), H5Sclose, "read the shape of dataset");
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (points < 0) where.fail("read the shape of dataset");
  std::vector<std::string> values;
  values.reserve(static_cast<size_t>(points));
  if (points == 0) return values;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle memory_type = variable_string_type(where);
    std::vector<char*> pointers(static_cast<size_t>(points), nullptr);
    where.check(
        H5Dread(handle.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
        "read dataset");
    for (char* text : pointers) values.emplace_back(text != nullptr ? text : "");
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(memory_type.get(), space.get(), H5P_DEFAULT, pointers.data());
#else
    H5Dvlen_reclaim(memory_type.get(), space.get(), H5P_DEFAULT, pointers.data());
#endif
    return values;
  }
  const size_t size = H5Tget_size(type.get());
  std::vector<char> buffer(size * static_cast<size_t>(points));
  where.check(H5Dread(handle.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
              "read dataset");
  for (hssize_t i = 0; i < points; ++i) {
    const char* text = buffer.data() + static_cast<size_t>(i) * size;
    std::string value(text, strnlen(text, size));
    if (H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD) value.erase(value.find_last_not_of(' ') + 1);
    values.push_back(std::move(value));
  }
  return values;
}

}  // namespace moe::h5
