# Router microbenchmark (Google Benchmark): route() over large generated
# binds. Owned by the router layer; include()d from bench/CMakeLists.txt.
find_package(benchmark CONFIG QUIET)
if(benchmark_FOUND)
  add_executable(portico_router_bench ${CMAKE_CURRENT_LIST_DIR}/router_bench.cc)
  target_link_libraries(portico_router_bench PRIVATE portico_router benchmark::benchmark)
endif()
