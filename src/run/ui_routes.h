// The dashboard (docs/dashboard.md): the static page, styles and ES
// modules of src/admin/ui/, compiled into the binary by
// cmake/embed_ui.cmake and served read-only at /ui and /ui/<file>. The
// page reads only the admin server's own endpoints (/status, /objects,
// /config_dump, /diagnose, /explain, /changes, /metrics, /endpoints) and
// the two registered here for it: /traffic (traffic.h) and /generation,
// which it polls to redraw the graph when the config changes.
#pragma once

#include <cstddef>
#include <span>

namespace portico::admin {
class AdminServer;
}

namespace portico::run {

class Controller;

// One embedded file of src/admin/ui/ (the table is generated at build time).
struct UiAsset {
  const char* name;         // file name, e.g. "app.js"
  const char* contentType;  // from the extension
  const unsigned char* data;
  std::size_t size;
};

std::span<const UiAsset> uiAssets();

// Registers /ui, /ui/ and /ui/<file> for every asset, / as a redirect to
// /ui, /traffic and /generation. Call before registerAdminRoutes: the
// admin server keeps the last registration of a path, so should the admin
// routes ever claim one of these, theirs wins.
void registerUiRoutes(admin::AdminServer& server, const Controller& controller);

}  // namespace portico::run
