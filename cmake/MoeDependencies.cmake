# Finds every external library once and exposes each as an imported target.
find_package(Torch REQUIRED)
find_package(MPI REQUIRED COMPONENTS CXX)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(yaml-cpp REQUIRED)
find_package(Boost REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)

if(MOE_WITH_CUDA)
  # A CPU-only LibTorch has no libc10_cuda: say so now rather than fail at link time with
  # undefined c10::cuda symbols.
  get_filename_component(moe_torch_library_dir "${TORCH_LIBRARY}" DIRECTORY)
  find_library(MOE_C10_CUDA_LIBRARY c10_cuda
    HINTS "${moe_torch_library_dir}" "${TORCH_INSTALL_PREFIX}/lib" NO_DEFAULT_PATH)
  if(NOT MOE_C10_CUDA_LIBRARY)
    message(FATAL_ERROR
      "MOE_WITH_CUDA=ON needs a CUDA-enabled LibTorch, but the LibTorch found "
      "(${TORCH_LIBRARY}, Torch_DIR=${Torch_DIR}) is CPU-only: there is no libc10_cuda next to "
      "it. Point CMAKE_PREFIX_PATH or Torch_DIR at a CUDA build of LibTorch, or configure with "
      "-DMOE_WITH_CUDA=OFF.")
  endif()
  find_package(CUDAToolkit REQUIRED)
  find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64 REQUIRED)
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include REQUIRED)
endif()

# oneDNN (Debian's libdnnl-dev: the same library LibTorch links) runs the encoder's CPU
# matrix products (src/model/cpu_matmul.h). Found by path, not by its CMake package, which
# insists on OpenCL headers we do not use. Without it the products go through LibTorch.
option(MOE_WITH_ONEDNN "CPU matrix products through oneDNN when libdnnl-dev is installed" ON)
if(MOE_WITH_ONEDNN)
  find_path(MOE_ONEDNN_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
  find_library(MOE_ONEDNN_LIBRARY dnnl)
  if(MOE_ONEDNN_INCLUDE_DIR AND MOE_ONEDNN_LIBRARY)
    add_library(moe::onednn INTERFACE IMPORTED)
    target_include_directories(moe::onednn SYSTEM INTERFACE ${MOE_ONEDNN_INCLUDE_DIR})
    target_link_libraries(moe::onednn INTERFACE ${MOE_ONEDNN_LIBRARY})
    message(STATUS "oneDNN matrix products: ON (${MOE_ONEDNN_LIBRARY})")
  else()
    message(STATUS "oneDNN matrix products: OFF (no oneapi/dnnl/dnnl.hpp or libdnnl; "
                   "apt-get install libdnnl-dev)")
  endif()
endif()

# FAISS (Debian's libfaiss-dev, CPU) is moe_index's vector search (docs/SEARCH.md). Only the
# index layer and moe_index use it; a build without it (a GPU machine that lacks the package)
# can turn it off and keeps everything else.
option(MOE_WITH_FAISS "Build the vector-search layer and moe_index (needs libfaiss-dev)" ON)
if(MOE_WITH_FAISS)
  find_package(OpenMP COMPONENTS CXX)  # faiss's exported target names OpenMP::OpenMP_CXX
  find_package(faiss CONFIG QUIET)
  if(NOT faiss_FOUND)
    message(FATAL_ERROR "moe_index needs FAISS: apt-get install libfaiss-dev (scripts/install-deps.sh "
                        "does), or configure with -DMOE_WITH_FAISS=OFF to build without search.")
  endif()
  message(STATUS "vector search (FAISS ${faiss_VERSION}): ON")
endif()

# HDF5's FindHDF5 does not always define a target on CMake 3.25; make one.
if(NOT TARGET moe::hdf5)
  add_library(moe::hdf5 INTERFACE IMPORTED)
  target_include_directories(moe::hdf5 INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
  target_link_libraries(moe::hdf5 INTERFACE ${HDF5_C_LIBRARIES} ${HDF5_LIBRARIES})
  target_compile_definitions(moe::hdf5 INTERFACE ${HDF5_DEFINITIONS} ${HDF5_C_DEFINITIONS})
endif()

# Warnings for our own code only; third-party headers come in as SYSTEM.
set(MOE_WARNINGS -Wall -Wextra -Wno-unused-parameter)

# Without MOE_WITH_CUDA the NCCL backend (src/dist/cuda) is still compiled, not linked, when
# the CUDA and NCCL headers and LibTorch's c10/cuda headers are at hand, so that it cannot
# rot on machines without a GPU (target moe_cuda_compile_check, part of `all`).
option(MOE_CUDA_COMPILE_CHECK "Compile (without linking) the CUDA sources in a CPU build" ON)
set(MOE_CUDA_CHECK_INCLUDE_DIR /usr/local/cuda/include CACHE PATH
  "Where the CUDA compile check finds cuda_runtime.h and nccl.h")
set(MOE_CUDA_COMPILE_CHECK_ENABLED OFF)
set(MOE_CUDA_CHECK_NEEDS_MACROS_SHIM OFF)
if(MOE_WITH_CUDA)
  set(moe_cuda_check_why "MOE_WITH_CUDA=ON builds the CUDA sources for real")
elseif(NOT MOE_CUDA_COMPILE_CHECK)
  set(moe_cuda_check_why "MOE_CUDA_COMPILE_CHECK=OFF")
elseif(NOT EXISTS "${MOE_CUDA_CHECK_INCLUDE_DIR}/nccl.h"
       OR NOT EXISTS "${MOE_CUDA_CHECK_INCLUDE_DIR}/cuda_runtime.h")
  set(moe_cuda_check_why "no nccl.h and cuda_runtime.h in ${MOE_CUDA_CHECK_INCLUDE_DIR}")
else()
  set(moe_torch_cuda_headers "")
  foreach(dir ${TORCH_INCLUDE_DIRS})
    if(NOT moe_torch_cuda_headers AND EXISTS "${dir}/c10/cuda/CUDAStream.h")
      set(moe_torch_cuda_headers "${dir}")
    endif()
  endforeach()
  if(NOT moe_torch_cuda_headers)
    set(moe_cuda_check_why "LibTorch's include directories have no c10/cuda headers")
  else()
    set(MOE_CUDA_COMPILE_CHECK_ENABLED ON)
    set(moe_cuda_check_why
      "CUDA and NCCL headers in ${MOE_CUDA_CHECK_INCLUDE_DIR}, c10/cuda in ${moe_torch_cuda_headers}")
    # CPU LibTorch packages ship c10/cuda without the header a CUDA build generates.
    if(NOT EXISTS "${moe_torch_cuda_headers}/c10/cuda/impl/cuda_cmake_macros.h")
      set(MOE_CUDA_CHECK_NEEDS_MACROS_SHIM ON)
    endif()
  endif()
endif()
if(MOE_CUDA_COMPILE_CHECK_ENABLED)
  message(STATUS "CUDA compile check: ON (${moe_cuda_check_why})")
else()
  message(STATUS "CUDA compile check: OFF (${moe_cuda_check_why})")
endif()
