// The admin server's endpoints for `portico run`: health and metrics, the
// state (status, IR, objects, changes) and the live troubleshooting
// endpoints the CLI's --admin mode calls (diagnose, explain,
// certificates, runtime). docs/troubleshooting.md lists them.
#pragma once

namespace portico::admin {
class AdminServer;
}

namespace portico::run {

class Controller;

void registerAdminRoutes(admin::AdminServer& server, Controller& controller);

}  // namespace portico::run
