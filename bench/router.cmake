# Router microbenchmark (Google Benchmark): BindRouter::route() at 10, 1,000
# and 10,000 routes for exact, prefix, regex and header matches
# (BM_Lookup/<kind>/<routes>). Owned by the router layer; include()d from
# bench/CMakeLists.txt.
find_package(benchmark CONFIG QUIET)
if(benchmark_FOUND)
  add_executable(portico_router_bench ${CMAKE_CURRENT_LIST_DIR}/router_bench.cc)
  target_link_libraries(portico_router_bench PRIVATE portico_router benchmark::benchmark)
endif()
