# Data-plane microbenchmarks (Google Benchmark) for `make bench`'s summary
# (bench/run-microbench.sh): HTTP/1 head parsing and header-filter
# application. The router's lookup benchmark is in router.cmake.
# include()d from bench/CMakeLists.txt.
find_package(benchmark CONFIG QUIET)
if(benchmark_FOUND)
  add_executable(portico_http1_bench ${CMAKE_CURRENT_LIST_DIR}/http1_bench.cc)
  target_link_libraries(portico_http1_bench PRIVATE portico_http1 benchmark::benchmark)

  # portico_dataplane for buildUpstreamHead/buildDownstreamHead (forward.cc):
  # only those objects are linked from the static library.
  add_executable(portico_filters_bench ${CMAKE_CURRENT_LIST_DIR}/filters_bench.cc)
  target_link_libraries(portico_filters_bench PRIVATE portico_dataplane portico_router portico_http1
                        benchmark::benchmark)
endif()
