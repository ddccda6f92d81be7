#include "run/ui_routes.h"

#include <string>
#include <string_view>

#include "admin/admin_server.h"
#include "run/controller.h"

namespace portico::run {
namespace {

// The page may talk to its own origin only: a script injected through an
// object name (every name and message is untrusted input rendered by the
// page) could neither load code nor send data anywhere else.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

admin::Response assetResponse(const UiAsset& a) {
  admin::Response r;
  r.contentType = a.contentType;
  r.body.assign(reinterpret_cast<const char*>(a.data), a.size);
  // Assets change only with the binary; revalidating is cheap on loopback
  // and avoids a stale page after an upgrade.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace

void registerUiRoutes(admin::AdminServer& server, const Controller& controller) {
  for (const UiAsset& a : uiAssets()) {
    const std::string name = a.name;
    const admin::Handler h = [&a](std::string_view, std::string_view) { return assetResponse(a); };
    server.handle("/ui/" + name, h);
    if (name == "index.html") {
      server.handle("/ui", h);
      server.handle("/ui/", h);
    }
  }
  server.handle("/traffic", [&controller](std::string_view, std::string_view) {
    admin::Response r;
    r.contentType = "application/json";
    r.body = controller.trafficJson();
    return r;
  });
  // Polled every 2 s by an open dashboard: a counter read under the
  // controller's lock, nothing else: an open tab costs next to nothing.
  server.handle("/generation", [&controller](std::string_view, std::string_view) {
    admin::Response r;
    r.contentType = "application/json";
    r.body = "{\"generation\": " + std::to_string(controller.generation()) + "}\n";
    return r;
  });
  server.handle("/", [](std::string_view, std::string_view) {
    admin::Response r;
    r.status = 302;
    r.body = "the dashboard is at /ui\n";
    r.headers.emplace_back("Location", "/ui");
    return r;
  });
}

}  // namespace portico::run
