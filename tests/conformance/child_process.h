// A child process for the conformance runner (portico, portico-echo) with
// stdout and stderr going to a log file the runner reads, the way the
// suite reads pod logs: the mirror checks look for echo log lines, and
// start-up waits for "listening on" / "admin server on" lines. The child
// is killed if the test process dies (PR_SET_PDEATHSIG), so a crashed
// test leaves nothing bound.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace portico::conformance {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`; output appended to `logPath`.
  ChildProcess(const std::vector<std::string>& argv, const std::string& logPath);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& logPath() const { return logPath_; }
  // Whether the process has exited (reaped here).
  bool exited();

  // The log so far.
  std::string log() const;
  // The first log line containing `needle`, polling until `timeout`; nullopt
  // when it never appears or the process exits first.
  std::optional<std::string> waitForLine(const std::string& needle, std::chrono::milliseconds timeout);
  // Log lines containing `needle` from byte `from` on.
  size_t countLines(const std::string& needle, size_t from = 0) const;

  void signal(int sig);
  // SIGTERM, then SIGKILL after `timeout`; the exit status (-1 if killed).
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  std::string logPath_;
};

}  // namespace portico::conformance
