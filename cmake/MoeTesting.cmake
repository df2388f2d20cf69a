# Helpers that register tests with CTest so that none can hang the suite.
find_package(GTest REQUIRED)
include(GoogleTest)

set(MOE_TEST_TIMEOUT 300 CACHE STRING "Seconds before a single test is killed")
# A multi-rank test that waits this long is hung in a collective: fail it.
set(MOE_MPI_TEST_TIMEOUT 120 CACHE STRING "Seconds before a multi-rank test is killed")

# Flags mpiexec needs on a small shared machine: root runs allowed, more ranks than cores.
set(MOE_MPIEXEC_FLAGS --oversubscribe --bind-to none)
execute_process(COMMAND id -u OUTPUT_VARIABLE MOE_UID OUTPUT_STRIP_TRAILING_WHITESPACE)
if(MOE_UID STREQUAL "0")
  list(APPEND MOE_MPIEXEC_FLAGS --allow-run-as-root)
endif()

# moe_add_unit_tests(target LINK libs SOURCES ...): one gtest binary, each TEST its own CTest entry.
function(moe_add_unit_tests target)
  cmake_parse_arguments(ARG "" "" "LINK;SOURCES" ${ARGN})
  add_executable(${target} ${ARG_SOURCES})
  target_compile_options(${target} PRIVATE ${MOE_WARNINGS})
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/tests)  # "support/..." helpers
  target_link_libraries(${target} PRIVATE ${ARG_LINK} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${target}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    PROPERTIES TIMEOUT ${MOE_TEST_TIMEOUT} ENVIRONMENT "OMP_NUM_THREADS=1"
    DISCOVERY_TIMEOUT 60)
endfunction()

# moe_add_mpi_tests(target RANKS 1 2 3 4 LINK libs SOURCES ...): one gtest binary run under
# mpiexec -np N for each N; the binary's main combines every rank's verdict.
function(moe_add_mpi_tests target)
  cmake_parse_arguments(ARG "" "" "RANKS;LINK;SOURCES" ${ARGN})
  add_executable(${target} ${ARG_SOURCES} ${CMAKE_SOURCE_DIR}/tests/mpi/mpi_test_main.cpp)
  target_compile_options(${target} PRIVATE ${MOE_WARNINGS})
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/tests)  # "support/..." helpers
  target_link_libraries(${target} PRIVATE ${ARG_LINK} GTest::gtest)
  foreach(np ${ARG_RANKS})
    add_test(NAME ${target}.np${np}
      COMMAND ${MPIEXEC_EXECUTABLE} ${MOE_MPIEXEC_FLAGS} -np ${np} $<TARGET_FILE:${target}>
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    set_tests_properties(${target}.np${np} PROPERTIES
      TIMEOUT ${MOE_MPI_TEST_TIMEOUT} PROCESSORS ${np} ENVIRONMENT "OMP_NUM_THREADS=1")
  endforeach()
endfunction()
