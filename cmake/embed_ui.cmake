# The dashboard's assets (src/admin/ui/: HTML, CSS, ES modules) compiled
# into `portico` as byte arrays, so the admin server serves them with no
# file on disk, no npm and no network at build or run time. Included from
# the top-level CMakeLists.txt after portico_run is defined; the table is
# declared in src/run/ui_routes.h and served by src/run/ui_routes.cc.
file(GLOB PORTICO_UI_ASSETS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/admin/ui/*)
list(SORT PORTICO_UI_ASSETS)
set(PORTICO_UI_GENERATED ${CMAKE_CURRENT_BINARY_DIR}/generated/ui/ui_assets.cc)
add_custom_command(
  OUTPUT ${PORTICO_UI_GENERATED}
  COMMAND ${CMAKE_COMMAND} -DOUT=${PORTICO_UI_GENERATED} "-DASSETS=${PORTICO_UI_ASSETS}"
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_ui_generate.cmake
  DEPENDS ${PORTICO_UI_ASSETS} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_ui_generate.cmake
  COMMENT "Embedding the dashboard (src/admin/ui/)"
  VERBATIM)
target_sources(portico_run PRIVATE ${PORTICO_UI_GENERATED})
