#include "source/watch.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

namespace portico::source {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Every watch is on a directory. IN_CLOSE_WRITE and IN_MODIFY both: some
// writers keep the file open (so only IN_MODIFY comes), and IN_ATTRIB so
// that `touch` forces a reload.
constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_FROM |
                           IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// The files loadPaths() reads from a directory.
bool isManifestName(std::string_view name) {
  return name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
}

std::string errnoMessage(int err) { return std::error_code(err, std::generic_category()).message(); }

class FileWatcherImpl final : public FileWatcher {
 public:
  FileWatcherImpl(std::chrono::milliseconds debounce, std::function<void(const FileChanges&)> onChange)
      : debounce_(std::max(debounce, std::chrono::milliseconds(0))), onChange_(std::move(onChange)) {}

  ~FileWatcherImpl() override {
    if (thread_.joinable()) {
      const uint64_t one = 1;
      // Cannot fail short of a closed fd: the counter is far from overflow.
      [[maybe_unused]] ssize_t n = ::write(wake_, &one, sizeof one);
      thread_.join();
    }
    if (ino_ >= 0) ::close(ino_);
    if (wake_ >= 0) ::close(wake_);
  }

  bool init(const std::vector<std::string>& paths, std::string& error) {
    ino_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ino_ < 0) {
      error = fmt::format("inotify: {}", errnoMessage(errno));
      return false;
    }
    wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_ < 0) {
      error = fmt::format("eventfd: {}", errnoMessage(errno));
      return false;
    }
    for (const auto& p : paths) {
      if (p == "-") continue;
      std::error_code ec;
      if (fs::is_directory(p, ec)) {
        dirs_.push_back(p);
        if (!watchTree(p, &error)) return false;
      } else {
        files_.push_back(p);
        if (!watchFile(p, &error)) return false;
      }
    }
    thread_ = std::thread([this] { run(); });
    return true;
  }

 private:
  struct Watch {
    std::string dir;
    bool recursive = false;       // every manifest and subdirectory counts
    std::set<std::string> names;  // otherwise only these entries
  };

  // Adding a watch for a directory that is already watched returns the same
  // descriptor, so the entry is merged rather than duplicated.
  bool addWatch(const std::string& dir, const std::string* name, std::string* error) {
    const int wd = inotify_add_watch(ino_, dir.c_str(), kMask);
    if (wd < 0) {
      if (error) *error = fmt::format("cannot watch {}: {}", dir, errnoMessage(errno));
      return false;
    }
    Watch& w = watches_[wd];
    w.dir = dir;  // a moved directory gets its new path here
    if (name) {
      w.names.insert(*name);
    } else {
      w.recursive = true;
    }
    return true;
  }

  // `root` and every directory below it (symlinked directories are not
  // followed, like loadPaths()). Errors below the root are ignored: a
  // subdirectory may vanish while it is walked.
  bool watchTree(const std::string& root, std::string* error) {
    if (!addWatch(root, nullptr, error)) return false;
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code dec;
      if (it->is_directory(dec) && !it->is_symlink(dec)) addWatch(it->path().string(), nullptr, nullptr);
    }
    return true;
  }

  bool watchFile(const std::string& file, std::string* error) {
    const fs::path p(file);
    const std::string parent = p.has_parent_path() ? p.parent_path().string() : ".";
    const std::string name = p.filename().string();
    if (!addWatch(parent, &name, error)) return false;
    std::error_code ec;
    if (fs::is_symlink(p, ec)) {
      const fs::path target = fs::canonical(p, ec);
      if (!ec) {
        const std::string targetName = target.filename().string();
        addWatch(target.parent_path().string(), &targetName,
                 nullptr);  // best effort: the link is watched anyway
      }
    }
    return true;
  }

  // Re-resolves symlinks (a few system calls per file root) and, after an
  // event that may have lost watches (a directory removed or moved, the
  // queue overflowing), walks the directory roots again to re-add them.
  // The walk is not done after every burst: at 10,000 files it alone would
  // cost more than the reload (route propagation, docs/performance.md).
  void refresh() {
    if (rewalk_) {
      for (const auto& d : dirs_) watchTree(d, nullptr);
      rewalk_ = false;
    }
    for (const auto& f : files_) watchFile(f, nullptr);
  }

  // Whether the event may change what loadPaths() reads; records what it
  // touched in burst_, and in burstInPlace_ whether it may be part of a
  // write still going on (see run()).
  bool onEvent(const inotify_event& ev) {
    if (ev.mask & IN_Q_OVERFLOW) {  // events were lost: assume the worst
      rewalk_ = true;
      refresh();
      burstInPlace_ = true;
      burst_.everything = true;
      return true;
    }
    auto it = watches_.find(ev.wd);
    if (it == watches_.end()) return false;
    if (ev.mask & IN_IGNORED) {  // directory removed (or unmounted)
      watches_.erase(it);
      rewalk_ = true;
      return false;
    }
    if (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
      rewalk_ = true;
      burstInPlace_ = true;
      burst_.everything = true;
      return true;
    }
    if (ev.len == 0) return false;
    const std::string name(ev.name);  // NUL-padded to ev.len
    const Watch& w = it->second;
    const bool written = (ev.mask & (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE)) != 0;
    if (w.names.count(name)) {
      // A file root or a symlink's target: its path is not a listing's.
      burstInPlace_ = burstInPlace_ || written;
      burst_.everything = true;
      return true;
    }
    if (!w.recursive) return false;
    if (ev.mask & IN_ISDIR) {
      // Watch new subdirectories at once, before files appear in them;
      // files created before the watch exists are picked up by the reload
      // this very event triggers. Files may still be arriving in them.
      if (ev.mask & (IN_CREATE | IN_MOVED_TO)) watchTree(w.dir + "/" + name, nullptr);
      burstInPlace_ = true;
      burst_.everything = true;
      return true;
    }
    if (!isManifestName(name)) return false;
    burstInPlace_ = burstInPlace_ || written;
    if (ev.mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)) burst_.listing = true;
    burst_.files.insert(w.dir.ends_with('/') ? w.dir + name : w.dir + "/" + name);
    return true;
  }

  bool drain() {
    bool changed = false;
    alignas(inotify_event) char buf[16 * 1024];
    for (;;) {
      const ssize_t n = ::read(ino_, buf, sizeof buf);
      if (n <= 0) return changed;  // EAGAIN: nothing left
      for (ssize_t off = 0; off < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        if (onEvent(*ev)) changed = true;
      }
    }
  }

  void run() {
    // A file rewritten without pause (a log accidentally named *.yaml) must
    // not postpone the reload forever.
    const auto maxDelay = std::max(debounce_ * 10, std::chrono::milliseconds(1000));
    // A burst made only of renames and deletions (how atomic writers such
    // as GitOps tools and kubelet's ConfigMap volumes publish a file, and
    // how `mv` and `rm` act) leaves nothing half-written: 1 ms of quiet is
    // enough to batch it. A file being written in place may be read
    // half-written, so any create, modify or close-write event waits for
    // the full debounce (route propagation, docs/performance.md).
    const auto settle = std::min(debounce_, std::chrono::milliseconds(1));
    bool pending = false;
    Clock::time_point quietAt, latest;
    for (;;) {
      int timeout = -1;
      if (pending) {
        const auto due = std::min(quietAt, latest);
        timeout = static_cast<int>(
            std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(due - Clock::now()).count()));
      }
      pollfd fds[2] = {{ino_, POLLIN, 0}, {wake_, POLLIN, 0}};
      const int n = ::poll(fds, 2, timeout);
      if (n < 0 && errno != EINTR) return;  // cannot happen with valid fds; stop rather than spin
      if (n > 0 && fds[1].revents) return;
      const auto now = Clock::now();
      if (n > 0 && (fds[0].revents & POLLIN) && drain()) {
        if (!pending) latest = now + maxDelay;
        pending = true;
        quietAt = now + (burstInPlace_ ? debounce_ : settle);
      }
      if (pending && now >= std::min(quietAt, latest)) {
        pending = false;
        refresh();
        FileChanges changes = std::exchange(burst_, {});
        burstInPlace_ = false;
        onChange_(changes);
      }
    }
  }

  const std::chrono::milliseconds debounce_;
  const std::function<void(const FileChanges&)> onChange_;
  FileChanges burst_;          // what the pending burst touched
  bool burstInPlace_ = false;  // it has in-place writes: wait the full debounce
  int ino_ = -1;
  int wake_ = -1;
  std::vector<std::string> dirs_, files_;  // roots as given
  bool rewalk_ = false;                    // refresh() must walk dirs_ again
  std::map<int, Watch> watches_;           // watcher thread only, after init()
  std::thread thread_;
};

}  // namespace

std::unique_ptr<FileWatcher> FileWatcher::start(const std::vector<std::string>& paths,
                                                std::chrono::milliseconds debounce,
                                                std::function<void(const FileChanges&)> onChange,
                                                std::string& error) {
  auto w = std::make_unique<FileWatcherImpl>(debounce, std::move(onChange));
  if (!w->init(paths, error)) return nullptr;
  return w;
}

}  // namespace portico::source
